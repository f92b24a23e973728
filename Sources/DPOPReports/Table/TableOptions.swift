/// What `dpop table` shows: row and column axes, metrics, which step, sorting, and which bucket's metrics.
public struct TableOptions: Sendable {
    /// Row axes; nil means every varying axis except `seed` and the column axes.
    public var rows: [String]?
    /// Axes pivoted into columns.
    public var cols: [String]
    /// Metric names, in column order.
    public var metrics: [String]
    public var step: StepSelector
    /// Metric to sort rows by, best first; also the metric `--step best` judges by.
    public var sort: String?
    /// Read this edit-distance bucket's metrics instead of the overall eval metrics.
    public var bucket: String?

    public init(rows: [String]? = nil, cols: [String] = [], metrics: [String] = Metric.defaultNames,
                step: StepSelector = .final, sort: String? = nil, bucket: String? = nil) {
        self.rows = rows
        self.cols = cols
        self.metrics = metrics.isEmpty ? Metric.defaultNames : metrics
        self.step = step
        self.sort = sort
        self.bucket = bucket
    }
}
