/// One problem in a spec file, located and printed like a compiler diagnostic.
public struct SpecDiagnostic: Equatable, Sendable, CustomStringConvertible {
    /// The spec file's path as given.
    public var file: String
    /// 1-based line; 0 when the problem has no position (the file could not be read).
    public var line: Int
    /// 1-based column in Unicode scalars; 0 when the problem has no position.
    public var column: Int
    /// What is wrong.
    public var message: String
    /// What to do about it, if there is something specific to say.
    public var hint: String?
    /// The text of line `line`, without its line break.
    public var sourceLine: String

    /// Creates a diagnostic.
    public init(file: String, line: Int, column: Int, message: String, hint: String? = nil, sourceLine: String = "") {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
        self.sourceLine = sourceLine
    }

    /// `file:line:col: error: message`, the source line indented by four spaces, a caret under the column, and the hint.
    public var description: String {
        guard line > 0 else {
            return "\(file): error: \(message)" + (hint.map { "\nhint: \($0)" } ?? "")
        }
        var out = "\(file):\(line):\(column): error: \(message)\n"
        out += "    \(sourceLine)\n"
        // Tabs before the column stay tabs so the caret lines up however the terminal expands them.
        let before = sourceLine.unicodeScalars.prefix(max(0, column - 1))
        out += "    " + String(before.map { $0 == "\t" ? "\t" : " " }) + "^"
        if let hint { out += "\nhint: \(hint)" }
        return out
    }
}
