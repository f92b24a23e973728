/// One line of `metrics.jsonl`: the eval metrics at a step, overall and per edit-distance bucket.
public struct EvalRecord: Codable, Equatable, Sendable {
    public var step: Int
    /// Mean training loss over the steps since the previous record (nil at step 0).
    public var trainLoss: Double?
    public var eval: PreferenceMetrics
    public var buckets: [String: PreferenceMetrics]
    /// Seconds since preference training started.
    public var elapsed: Double
    /// Gradient-entanglement cosine of each sampled eval pair, in eval order (nil when none is sampled).
    public var entanglementCosines: [Double]? = nil

    public init(step: Int, trainLoss: Double?, eval: PreferenceMetrics, buckets: [String: PreferenceMetrics], elapsed: Double,
                entanglementCosines: [Double]? = nil) {
        self.step = step
        self.trainLoss = trainLoss
        self.eval = eval
        self.buckets = buckets
        self.elapsed = elapsed
        self.entanglementCosines = entanglementCosines
    }

    enum CodingKeys: String, CodingKey {
        case step
        case trainLoss = "train/loss"
        case eval, buckets, elapsed
        case entanglementCosines = "entanglement/cosines"
    }
}
