/// Everything one preference run needs besides its data: model shape, both stages, the loss, the split.
public struct PreferenceRunConfig: Codable, Equatable, Sendable {
    public var model: GPTConfig
    public var sft: SFTConfig
    public var train: PreferenceTrainConfig
    public var loss: PreferenceLossConfig
    /// Share of pairs held out for evaluation (split by a seeded content hash).
    public var evalFraction: Double = 0.1
    public var splitSeed: UInt64 = 0
    /// Bucket definitions as `NAME=LO..HI` strings (see `EditDistanceBuckets`).
    public var buckets: [String] = []
    /// Train (and evaluate) only on this bucket; nil for all pairs.
    public var trainBucket: String?

    public init(model: GPTConfig, sft: SFTConfig, train: PreferenceTrainConfig, loss: PreferenceLossConfig,
                evalFraction: Double = 0.1, splitSeed: UInt64 = 0, buckets: [String] = [], trainBucket: String? = nil) {
        self.model = model
        self.sft = sft
        self.train = train
        self.loss = loss
        self.evalFraction = evalFraction
        self.splitSeed = splitSeed
        self.buckets = buckets
        self.trainBucket = trainBucket
    }
}
