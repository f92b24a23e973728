import DPOPExperiments
import DPOPTrainer

/// One cell of a results folder as tables, comparisons and the report see it: its grid values, status,
/// eval history and provenance, taken from the store's `RunRecord`.
public struct RunResult: Sendable {
    public var id: String
    public var experiment: String
    /// completed, failed or interrupted as recorded; `running` when a live lock says it is being run again.
    public var status: CellStatus
    /// The grid's varying axes for this cell (axis → value as written), including `seed` when seeds vary.
    /// Axes that do not apply to the cell (run.json writes `-`, e.g. λ of a dpo cell) are absent here.
    public var values: [String: String]
    /// Axes the grid varies that do not apply to this cell (written `-`).
    public var notApplicable: Set<String>
    /// The resolved config flattened to dotted paths (`loss.beta` → "0.1"), for axes that are not in `values`.
    public var config: [String: String]
    public var provenance: Provenance?
    public var started: String?
    public var finished: String?
    public var seconds: Double?
    public var error: String?
    /// The last eval record of a finished cell (run.json's `final`, else the last line of metrics.jsonl).
    public var final: EvalRecord?
    /// Every eval record of metrics.jsonl, in step order.
    public var history: [EvalRecord]
    /// The names of the config's edit-distance buckets (`data.buckets`), in spec order.
    public var bucketNames: [String] = []

    public init(id: String, experiment: String, status: CellStatus, values: [String: String], notApplicable: Set<String> = [],
                config: [String: String] = [:],
                provenance: Provenance? = nil, started: String? = nil, finished: String? = nil, seconds: Double? = nil,
                error: String? = nil, final: EvalRecord? = nil, history: [EvalRecord] = []) {
        self.id = id
        self.experiment = experiment
        self.status = status
        self.values = values
        self.notApplicable = notApplicable
        self.config = config
        self.provenance = provenance
        self.started = started
        self.finished = finished
        self.seconds = seconds
        self.error = error
        // A failed cell's last record is not a final result.
        self.final = final ?? (status == .completed ? history.last : nil)
        self.history = history
    }

    /// The view of a stored cell: `-` values become `notApplicable`, the config becomes dotted paths.
    public init(_ stored: StoredRun) {
        let r = stored.record
        self.init(id: r.id, experiment: r.experiment, status: r.status, values: r.values.filter { $0.value != GridCell.notApplicable },
                  notApplicable: Set(r.values.filter { $0.value == GridCell.notApplicable }.keys), config: ConfigPaths.flatten(r.config),
                  provenance: r.provenance, started: r.started, finished: r.finished.isEmpty ? nil : r.finished, seconds: r.seconds,
                  error: r.error, final: r.final, history: stored.history)
        // Buckets of any statistic (`data.bucket_by`, quantiles) or edit-distance ones, ordered by lower bound.
        let run = r.config.runConfig
        bucketNames = ((try? run.statisticBuckets())?.buckets.map(\.name) ?? (try? run.editDistanceBuckets())?.buckets.map(\.name)) ?? []
    }

    /// Where common axes live in the config when the grid did not vary them.
    static let configPaths: [String: [String]] = [
        "loss": ["loss.kind"], "beta": ["loss.beta"], "lambda": ["loss.lambda"],
        "bucket": ["bucket", "trainBucket"], "seed": ["seed"],
    ]

    /// The cell's value on `axis`: its grid value, else the config's (`loss` → `config.loss.kind` …).
    public func value(of axis: String) -> String? {
        if let v = values[axis] { return v }
        // The config still holds a default for a setting that does not apply; it must not match.
        if notApplicable.contains(axis) { return nil }
        for path in Self.configPaths[axis] ?? [axis] {
            if let v = config[path] { return v }
        }
        return nil
    }

    /// The seed, from the grid values or the config.
    public var seed: String? { value(of: "seed") }

    /// The loss kind (`dpo`, `dpop`, …).
    public var loss: String? { value(of: "loss") }
}
