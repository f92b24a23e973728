import DPOPTrainer

/// A metric of the eval records, as the trainer's table `MetricDescriptor.all` describes it.
public typealias Metric = MetricDescriptor

extension MetricDescriptor {
    /// The default metrics of `dpop table` and `dpop compare`.
    public static let defaultNames = [logpsChosenDelta, logpsChosenDecreased, rewardsAccuracies, rewardsMargins, taskAccuracy].map(\.name)

    /// The metric called `name`, or an error listing the known ones.
    public static func named(_ name: String) throws -> Metric {
        guard let m = lookup(name) else { throw ReportError.unknownMetric(name, known: all.map(\.name)) }
        return m
    }

    /// True when a larger value is the better outcome (the comparison's `higher_is_better` column).
    public var higherIsBetter: Bool { better == .higher }

    /// Header text: `Δw (logps/chosen_delta)`, or the bare name when the label adds nothing.
    public var header: String { label == name ? name : "\(label) (\(name))" }

    /// Axis title with unit: `Δw (nats)`.
    public var axisTitle: String { unit.map { "\(label) (\($0))" } ?? label }

    /// The metric's value in `record`: overall eval, or the named bucket's metrics.
    public func value(in record: EvalRecord, bucket: String? = nil) -> Double? {
        if self == .trainLoss { return record.trainLoss }
        return (bucket.map { record.buckets[$0] } ?? record.eval).flatMap(value(in:))
    }
}
