/// One metric of one group of cells: the per-seed values and their summary.
public struct MetricSummary: Sendable {
    /// One finished cell's value and the step it was read at.
    public struct SeedValue: Equatable, Sendable {
        public var seed: String?
        public var cell: String
        public var step: Int
        public var value: Double
    }

    public let metric: Metric
    /// Per finished cell, in seed order.
    public let values: [SeedValue]
    /// Mean, std, 95% CI over `values`; nil when no finished cell has the metric.
    public let summary: SampleSummary?

    public init(metric: Metric, values: [SeedValue]) {
        self.metric = metric
        self.values = values
        self.summary = SampleSummary(values.map(\.value))
    }
}
