import DPOPTrainer

/// A cell's metrics as (step, tag, value) points, tagged the way TensorBoard and Hugging Face's
/// Trainer show them: `train/loss`, `eval/<metric>` over the eval split, `eval_<bucket>/<metric>` per bucket.
public struct MetricSeries: Sendable {
    /// One value of one metric at one step.
    public struct Point: Equatable, Sendable {
        public var step: Int
        /// `train`, `eval` or `eval_<bucket>`.
        public var scope: String
        /// The metric's name as TRL spells it (`rewards/chosen`, …).
        public var metric: String
        public var value: Double
        /// `scope/metric`.
        public var tag: String { "\(scope)/\(metric)" }
        /// Seconds since preference training started.
        public var elapsed: Double
    }

    /// Points grouped by step, in step order.
    public var steps: [(step: Int, elapsed: Double, points: [Point])]

    /// The series of a cell's eval records (metrics.jsonl).
    public init(_ records: [EvalRecord]) {
        steps = records.sorted { $0.step < $1.step }.map { r in
            var points: [Point] = []
            if let loss = r.trainLoss {
                points.append(Point(step: r.step, scope: "train", metric: "loss", value: loss, elapsed: r.elapsed))
            }
            func add(_ m: PreferenceMetrics, scope: String) {
                for metric in MetricDescriptor.eval {
                    if let v = metric.value(in: m) { points.append(Point(step: r.step, scope: scope, metric: metric.name, value: v, elapsed: r.elapsed)) }
                }
            }
            add(r.eval, scope: "eval")
            for bucket in r.buckets.keys.sorted() { add(r.buckets[bucket]!, scope: "eval_\(bucket)") }
            return (r.step, r.elapsed, points)
        }
    }

    /// Every point, step by step.
    public var points: [Point] { steps.flatMap(\.points) }

    /// The last value of each tag (the cell's final metrics).
    public var finalValues: [String: Double] {
        var last: [String: Double] = [:]
        for p in points { last[p.tag] = p.value }
        return last
    }
}
