/// Settings of a supervised (next-token) training run; the defaults are `SFTConfig.Settings`'.
public struct SFTConfig: Codable, Equatable, Sendable {
    public var steps: Int
    /// Sequences per step.
    public var batch: Int
    /// Peak learning rate.
    public var lr: Float
    public var warmupSteps: Int
    public var decay: LearningRateSchedule.Decay
    public var seed: UInt64
    public var adamw: AdamWConfig
    /// Fresh built-in arith problems the reference learns from instead of the training split's chosen
    /// answers (`sft.problems`); nil, and absent from the JSON, for the split.
    public var problems: Int?
    /// True when each step's sequences are packed back to back into rows (`sft.pack`); nil, and absent from
    /// the JSON (so from the reference cache key), for one padded row per sequence.
    public var packing: Bool?
    /// Whether each step packs its sequences into rows of up to the model's `maxRow` (twice the context in a
    /// run; `SharedTrunkBatch(packing:)`):
    /// the same loss and gradients within float32 rounding, no row padded to another's length.
    public var pack: Bool { packing == true }

    /// The SFT stage's settings as a spec names them (`sft.*`), with their defaults and ranges.
    public enum Settings {
        public static let steps = Setting<Int>("sft.steps", default: 800, .closed(1, 1e9))
        public static let lr = Setting<Float>("sft.lr", default: 1e-3, .aboveUpTo(0, 1))
        public static let batch = Setting<Int>("sft.batch", default: 32, .closed(1, 1e9))
        public static let warmup = Setting<Int>("sft.warmup", default: 50, .closed(0, 1e9))
        public static let decay = Setting<LearningRateSchedule.Decay>("sft.decay", default: .cosine)
        /// Decoupled AdamW decay on matrices and embeddings.
        public static let weightDecay = Setting<Float>("sft.weight_decay", default: 0.1, .closed(0, 100))
        /// Fresh arith problems for the SFT stage; its default is what `--sft-problems` shows, the spec has none.
        public static let problems = Setting<Int>("sft.problems", default: 40000, .closed(1, 1e8))
        /// Off by default: the shipped references were trained on padded rows, and packing moves their floats.
        public static let pack = Setting<Bool>("sft.pack", default: false)
    }

    public init(steps: Int = Settings.steps.defaultValue, batch: Int = Settings.batch.defaultValue,
                lr: Float = Settings.lr.defaultValue, warmupSteps: Int = Settings.warmup.defaultValue,
                decay: LearningRateSchedule.Decay = Settings.decay.defaultValue, seed: UInt64 = 0,
                adamw: AdamWConfig = AdamWConfig(weightDecay: Settings.weightDecay.defaultValue), problems: Int? = nil,
                pack: Bool = Settings.pack.defaultValue) {
        self.steps = steps
        self.batch = batch
        self.lr = lr
        self.warmupSteps = warmupSteps
        self.decay = decay
        self.seed = seed
        self.adamw = adamw
        self.problems = problems
        packing = pack ? true : nil
    }

    /// Throws `DPOPError.invalidSetting` naming the first setting out of range.
    public func validate() throws(DPOPError) {
        try DPOPError.checkingSettings { () throws(SettingError) in
            try Settings.steps.check(steps)
            try Settings.batch.check(batch)
            try Settings.lr.check(lr)
            try Settings.warmup.check(warmupSteps)
            try Settings.weightDecay.check(adamw.weightDecay)
            if let problems { try Settings.problems.check(problems) }
        }
    }
}
