/// A cell whose `run.json` or `metrics.jsonl` cannot be read: readers skip it and report it.
public struct DamagedCell: Equatable, Sendable, CustomStringConvertible {
    /// The cell's folder name under `runs/`.
    public var id: String
    /// The file at fault.
    public var path: String
    /// 1-based line in `metrics.jsonl`, when one line is at fault.
    public var line: Int?
    /// What is wrong.
    public var reason: String

    /// Creates a damaged-cell report.
    public init(id: String, path: String, line: Int? = nil, reason: String) {
        self.id = id
        self.path = path
        self.line = line
        self.reason = reason
    }

    /// `PATH[:LINE]: reason; cell ID left out` and how to get it back.
    public var description: String {
        // An unreadable run.json makes the cell pending, so `dpop run` redoes it; a bad metrics line does not.
        let hint = line == nil ? "the next `dpop run` runs it again" : "remove runs/\(id) and `dpop run` runs it again"
        return "\(path)\(line.map { ":\($0)" } ?? ""): \(reason); cell \(id) left out (\(hint))"
    }
}
