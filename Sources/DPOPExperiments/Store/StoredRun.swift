import DPOPTrainer

/// One cell as its results folder holds it: `run.json` and the eval records of `metrics.jsonl`.
public struct StoredRun: Sendable {
    public var record: RunRecord
    /// Every eval record, in step order (empty when the cell stopped before its first eval).
    public var history: [EvalRecord]

    /// Creates a stored run.
    public init(record: RunRecord, history: [EvalRecord]) {
        self.record = record
        self.history = history.sorted { $0.step < $1.step }
    }
}
