/// Every problem found in one spec file; thrown by `SpecLoader` once the whole file has been checked.
public struct SpecError: Error, CustomStringConvertible, Sendable {
    /// The problems, ordered by position in the file.
    public var diagnostics: [SpecDiagnostic]

    /// Wraps diagnostics.
    public init(diagnostics: [SpecDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// All diagnostics, one block each, then a count.
    public var description: String {
        let count = diagnostics.count
        // The file's name, or "the command line" when only overrides are at fault (they sort first).
        let file = diagnostics.first { !$0.file.hasPrefix(SpecOverride.diagnosticPrefix) }?.file
            ?? (diagnostics.isEmpty ? "spec" : "the command line")
        let summary = "\(count) error\(count == 1 ? "" : "s") in \(file)"
        return (diagnostics.map(\.description) + [summary]).joined(separator: "\n")
    }
}
