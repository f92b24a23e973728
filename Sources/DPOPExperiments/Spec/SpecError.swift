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
        let file = diagnostics.first?.file ?? "spec"
        let summary = "\(count) error\(count == 1 ? "" : "s") in \(file)"
        return (diagnostics.map(\.description) + [summary]).joined(separator: "\n")
    }
}
