/// One line of `metrics.jsonl`: the eval metrics at a step, overall and per edit-distance bucket.
public struct EvalRecord: Codable, Equatable, Sendable {
    public var step: Int
    /// Mean training loss over the steps since the previous record (nil at step 0).
    public var trainLoss: Double?
    public var eval: PreferenceMetrics
    public var buckets: [String: PreferenceMetrics]
    /// Seconds since preference training started.
    public var elapsed: Double

    enum CodingKeys: String, CodingKey {
        case step
        case trainLoss = "train/loss"
        case eval, buckets, elapsed
    }
}
