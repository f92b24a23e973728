import DPOPTrainer

/// Reads metric values from finished cells at the selected step (and bucket), as tables and comparisons do.
public struct RecordPicker: Sendable {
    public let step: StepSelector
    /// The metric `--step best` judges by.
    public let judge: Metric
    public let bucket: String?

    public init(step: StepSelector, judge: Metric, bucket: String?) {
        self.step = step
        self.judge = judge
        self.bucket = bucket
    }

    /// The selected record of a finished cell; nil for unfinished cells or when the step is missing.
    public func record(of run: RunResult) -> EvalRecord? {
        guard run.status == .completed else { return nil }
        return step.record(of: run, metric: judge, bucket: bucket)
    }

    /// `metric` of a finished cell at the selected record.
    public func value(_ metric: Metric, of run: RunResult) -> MetricSummary.SeedValue? {
        guard let r = record(of: run), let v = metric.value(in: r, bucket: bucket), v.isFinite else { return nil }
        return MetricSummary.SeedValue(seed: run.seed, cell: run.id, step: r.step, value: v)
    }

    /// Summaries of `metrics` over `runs` (finished ones contribute), per-seed values in seed order.
    public func summarize(_ runs: [RunResult], metrics: [Metric]) -> [String: MetricSummary] {
        let ordered = runs.sorted { RecordPicker.seedOrder($0.seed, $1.seed) }
        var out: [String: MetricSummary] = [:]
        for m in metrics where out[m.name] == nil {
            out[m.name] = MetricSummary(metric: m, values: ordered.compactMap { value(m, of: $0) })
        }
        return out
    }

    /// Seeds in numeric order when they are numbers.
    static func seedOrder(_ a: String?, _ b: String?) -> Bool {
        if let x = a.flatMap(Int.init), let y = b.flatMap(Int.init) { return x < y }
        return (a ?? "") < (b ?? "")
    }

    /// Checks the selection against the results: the step exists somewhere, the bucket is known.
    public func validate(against results: ExperimentResults) throws {
        let finished = results.runs.filter { $0.status == .completed }
        if case .step(let n) = step, !finished.isEmpty,
           !finished.contains(where: { run in run.history.contains { $0.step == n } || run.final?.step == n }) {
            let steps = Set(finished.flatMap { $0.history.map(\.step) + [$0.final?.step].compactMap { $0 } })
            throw ReportError.stepNotRecorded(n, recorded: steps.sorted())
        }
        if let bucket, !finished.isEmpty {
            let known = Set(finished.flatMap { $0.history.flatMap { $0.buckets.keys } + ($0.final?.buckets.keys.map { $0 } ?? []) })
            guard known.contains(bucket) else {
                throw ReportError.badOption(option: "--bucket", value: bucket,
                                            expected: known.isEmpty ? "no bucket: these records have no per-bucket metrics"
                                                : "one of \(known.sorted().joined(separator: ", "))")
            }
        }
    }
}
