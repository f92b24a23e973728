/// Cells that differ only by seed (and pooled axes), summarised per metric.
public struct GroupSummary: Sendable {
    /// How far a group got: every cell completed, some (`partial`), or none: because some still run,
    /// else because some were interrupted (they run again on the next `dpop run`), else because all failed.
    public enum Status: String, Sendable {
        case completed, partial, running, interrupted, failed
    }

    /// The group's values on the table's row and column axes (an axis a cell lacks is absent).
    public let key: [String: String]
    /// Every cell of the group, finished or not.
    public let runs: [RunResult]
    /// Summaries by metric name (the shown metrics, plus Δw and the sort metric).
    public let metrics: [String: MetricSummary]

    public init(key: [String: String], runs: [RunResult], metrics: [String: MetricSummary]) {
        self.key = key
        self.runs = runs
        self.metrics = metrics
    }

    public var completedCount: Int { runs.filter { $0.status == .completed }.count }
    public var failedCount: Int { runs.filter { $0.status == .failed }.count }
    public var interruptedCount: Int { runs.filter { $0.status == .interrupted }.count }
    public var runningCount: Int { runs.filter { $0.status == .running }.count }

    public var status: Status {
        if completedCount == runs.count { return .completed }
        if completedCount > 0 { return .partial }
        if runningCount > 0 { return .running }
        return interruptedCount > 0 ? .interrupted : .failed
    }

    /// Mean Δw over seeds.
    public var chosenDelta: SampleSummary? { metrics[FailureMode.metricName]?.summary }

    /// DPO's failure mode: mean Δw below zero with the whole 95% CI below zero.
    public var failureMode: Bool { FailureMode.shows(chosenDelta) }

    /// Seeds behind the shown numbers: the most values any of `metrics` has (finished cells without a
    /// record at the step or bucket asked for do not count).
    public func valueCount(_ metrics: [Metric]) -> Int {
        metrics.compactMap { self.metrics[$0.name]?.summary?.n }.max() ?? 0
    }

    /// "3", "2 (+1 failed)", "0 (1 running)", "2 (+1 interrupted)", "3 (+3 without values)" for `valueCount(metrics)`.
    public func countText(_ metrics: [Metric]) -> String {
        let n = valueCount(metrics)
        var extra: [String] = []
        if completedCount > n { extra.append("+\(completedCount - n) without values") }
        if failedCount > 0 { extra.append("\(n > 0 || !extra.isEmpty ? "+" : "")\(failedCount) failed") }
        if interruptedCount > 0 { extra.append("\(n > 0 || !extra.isEmpty ? "+" : "")\(interruptedCount) interrupted") }
        if runningCount > 0 { extra.append("\(n > 0 || !extra.isEmpty ? "+" : "")\(runningCount) running") }
        return extra.isEmpty ? "\(n)" : "\(n) (\(extra.joined(separator: ", ")))"
    }
}
