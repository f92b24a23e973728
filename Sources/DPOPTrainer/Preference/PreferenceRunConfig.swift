/// Everything one preference run needs besides its data: model shape, both stages, the loss, the split.
public struct PreferenceRunConfig: Codable, Equatable, Sendable {
    public var model: GPTConfig
    public var sft: SFTConfig
    public var train: PreferenceTrainConfig
    public var loss: PreferenceLossConfig
    /// Share of pairs held out for evaluation (split by a seeded content hash).
    public var evalFraction: Double = Settings.evalFraction.defaultValue
    public var splitSeed: UInt64 = 0
    /// Bucket definitions as `NAME=LO..HI` strings (see `EditDistanceBuckets`).
    public var buckets: [String] = []
    /// Train (and evaluate) only on this bucket; nil, or `allPairsBucket` when no bucket has that name, for all pairs.
    public var trainBucket: String?
    /// The bucket name that means every pair (the mixed set), unless a bucket is called so.
    public static let allPairsBucket = "all"
    /// The statistic `buckets` are defined on (see `StatisticBuckets`); nil (and not encoded, so configs
    /// and cell ids from before it stay byte-identical) for edit-distance buckets in `EditDistanceBuckets` syntax.
    public var bucketBy: PairStatistic?
    /// Whether `buckets` are quantiles of the training split's `bucketBy` values; nil (not encoded) for absolute.
    public var quantileBuckets: Bool?

    /// The run's own settings as a spec names them.
    public enum Settings {
        public static let evalFraction = Setting<Double>("data.eval_fraction", default: 0.1, .open(0, 1))
    }

    public init(model: GPTConfig, sft: SFTConfig, train: PreferenceTrainConfig, loss: PreferenceLossConfig,
                evalFraction: Double = Settings.evalFraction.defaultValue, splitSeed: UInt64 = 0, buckets: [String] = [], trainBucket: String? = nil,
                bucketBy: PairStatistic? = nil, quantileBuckets: Bool? = nil) {
        self.model = model
        self.sft = sft
        self.train = train
        self.loss = loss
        self.evalFraction = evalFraction
        self.splitSeed = splitSeed
        self.buckets = buckets
        self.trainBucket = trainBucket
        self.bucketBy = bucketBy
        self.quantileBuckets = quantileBuckets
    }

    /// `buckets` as `StatisticBuckets` when `bucketBy` or `quantileBuckets` is set; nil for edit-distance
    /// buckets in `EditDistanceBuckets` syntax (the edit distance is then assigned as pairs are tokenized).
    public func statisticBuckets() throws -> StatisticBuckets? {
        guard bucketBy != nil || quantileBuckets == true else { return nil }
        return try StatisticBuckets(parsing: buckets, statistic: bucketBy ?? .editDistance, quantile: quantileBuckets ?? false)
    }

    /// `buckets` as `EditDistanceBuckets` when they are in that syntax (no `bucketBy`, not quantiles) and any are given.
    public func editDistanceBuckets() throws -> EditDistanceBuckets? {
        guard bucketBy == nil, quantileBuckets != true, !buckets.isEmpty else { return nil }
        return try EditDistanceBuckets(parsing: buckets)
    }

    /// Rows a model must hold to serve as the reference of this run: an SFT batch, or a preference batch
    /// of chosen and rejected sequences, whichever is larger.
    public var referenceBatch: Int { max(sft.batch, 2 * train.batch) }

    /// Throws `DPOPError.invalidSetting` for the first setting out of range, or for a run that needs more
    /// memory than the machine has (`pairs`: the number of pairs, when known before loading them).
    /// `sftStage: false` when the reference is given, so the SFT settings are not used.
    public func validate(pairs: Int? = nil, sftStage: Bool = true) throws(DPOPError) {
        try model.validate()
        if sftStage { try sft.validate() }
        try train.validate()
        try loss.validate()
        try DPOPError.checkingSettings { () throws(SettingError) in try Settings.evalFraction.check(evalFraction) }
        do {
            _ = try statisticBuckets()
            _ = try editDistanceBuckets()
        } catch let error as DPOPError {
            throw error
        } catch {
            throw DPOPError.invalidConfiguration("\(error)")
        }
        try MemoryPlan.run(self, pairs: pairs).check()
    }
}
