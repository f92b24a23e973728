/// What `dpop compare` pairs: baseline and treatment cells, the metrics, the step and bucket.
public struct CompareOptions: Sendable {
    public var baseline: CellSelector
    public var treatment: CellSelector
    public var metrics: [String]
    public var step: StepSelector
    /// Read this edit-distance bucket's metrics instead of the overall eval metrics.
    public var bucket: String?

    public init(baseline: CellSelector, treatment: CellSelector, metrics: [String] = Metric.defaultNames,
                step: StepSelector = .final, bucket: String? = nil) {
        self.baseline = baseline
        self.treatment = treatment
        self.metrics = metrics.isEmpty ? Metric.defaultNames : metrics
        self.step = step
        self.bucket = bucket
    }
}
