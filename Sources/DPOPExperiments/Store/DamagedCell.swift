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
    /// True when `dpop run` runs the cell again by itself (its run.json is unreadable, so it counts as
    /// pending); false when run.json reads (a bad metrics.jsonl) and the folder must be removed first.
    public var rerunByDpopRun: Bool

    /// Creates a damaged-cell report; `rerunByDpopRun` defaults to true for a whole file (run.json) at
    /// fault, false for one line (of metrics.jsonl).
    public init(id: String, path: String, line: Int? = nil, reason: String, rerunByDpopRun: Bool? = nil) {
        self.id = id
        self.path = path
        self.line = line
        self.reason = reason
        self.rerunByDpopRun = rerunByDpopRun ?? (line == nil)
    }

    /// `PATH[:LINE]: reason; cell ID left out` and how to get it back.
    public var description: String {
        let hint = rerunByDpopRun ? "the next `dpop run` runs it again" : "remove runs/\(id) and `dpop run` runs it again"
        return "\(path)\(line.map { ":\($0)" } ?? ""): \(reason); cell \(id) left out (\(hint))"
    }
}
