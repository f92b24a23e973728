/// Collects the diagnostics of one spec file, dropping exact repeats (per-cell checks meet the same value many times).
final class DiagnosticLog {
    let file: String
    private let lines: [Substring]
    private var collected: [(order: Int, diagnostic: SpecDiagnostic)] = []
    private var seen: Set<String> = []
    /// Command-line overrides: their nodes sit on lines past the file's, and are reported against the argument.
    var commandLine: SpecOverrideApplier?

    /// Lines of the file (a node past them came from an override).
    var lineCount: Int { lines.count }

    init(file: String, text: String) {
        self.file = file
        // libyaml breaks lines at \n, \r\n and \r; so do we, so line numbers agree.
        lines = text.replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .flatMap { $0.split(separator: "\r", omittingEmptySubsequences: false) }
    }

    /// Records an error at `position`.
    func error(_ message: String, at position: SpecPosition, hint: String? = nil) {
        let key = "\(position.line):\(position.column):\(message)"
        guard seen.insert(key).inserted else { return }
        if let o = commandLine?.override(atLine: position.line) {
            record([SpecOverride.diagnostic(argument: o.argument, position: o.position, message: message, hint: hint)])
            return
        }
        let source = position.line >= 1 && position.line <= lines.count ? String(lines[position.line - 1]) : ""
        let d = SpecDiagnostic(file: file, line: position.line, column: position.column,
                               message: message, hint: hint, sourceLine: source)
        collected.append((collected.count, d))
    }

    /// Records diagnostics made elsewhere (the overrides' own).
    func record(_ diagnostics: [SpecDiagnostic]) {
        for d in diagnostics where seen.insert("\(d.file):\(d.message)").inserted {
            collected.append((collected.count, d))
        }
    }

    var hasErrors: Bool { !collected.isEmpty }

    /// The diagnostics by position; ties keep the order they were found in.
    var diagnostics: [SpecDiagnostic] {
        collected.sorted {
            ($0.diagnostic.line, $0.diagnostic.column, $0.order) < ($1.diagnostic.line, $1.diagnostic.column, $1.order)
        }.map(\.diagnostic)
    }
}
