/// Collects the diagnostics of one spec file, dropping exact repeats (per-cell checks meet the same value many times).
final class DiagnosticLog {
    let file: String
    private let lines: [Substring]
    private var collected: [(order: Int, diagnostic: SpecDiagnostic)] = []
    private var seen: Set<String> = []

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
        let source = position.line >= 1 && position.line <= lines.count ? String(lines[position.line - 1]) : ""
        let d = SpecDiagnostic(file: file, line: position.line, column: position.column,
                               message: message, hint: hint, sourceLine: source)
        collected.append((collected.count, d))
    }

    var hasErrors: Bool { !collected.isEmpty }

    /// The diagnostics by position; ties keep the order they were found in.
    var diagnostics: [SpecDiagnostic] {
        collected.sorted {
            ($0.diagnostic.line, $0.diagnostic.column, $0.order) < ($1.diagnostic.line, $1.diagnostic.column, $1.order)
        }.map(\.diagnostic)
    }
}
