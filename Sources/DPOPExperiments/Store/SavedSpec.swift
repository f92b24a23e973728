/// The spec a results folder keeps (`spec.yaml`, the latest that ran there), read by the spec reader.
public struct SavedSpec: Sendable {
    /// The YAML verbatim.
    public var text: String
    /// Where it was read from.
    public var file: String
    /// The spec's `name:` and `description:`, read even when another part of the spec no longer reads.
    public var name: String?
    public var description: String?
    /// The whole spec, grid expanded; nil when it no longer reads (see `problem`), e.g. because its
    /// `data.path` is relative to the spec's original folder, not to this copy.
    public var spec: ExperimentSpec?
    /// Why `spec` is nil: the spec reader's diagnostics.
    public var problem: String?

    /// Reads `text` (the contents of `file`).
    public init(text: String, file: String) {
        self.text = text
        self.file = file
        (name, description) = SpecLoader.header(text, file: file)
        do {
            spec = try SpecLoader.parse(text, file: file)
        } catch {
            problem = "\(error)"
        }
    }
}
