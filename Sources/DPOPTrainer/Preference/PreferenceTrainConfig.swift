/// Settings of the preference stage (stage 2); the defaults are `PreferenceTrainConfig.Settings`'.
public struct PreferenceTrainConfig: Codable, Equatable, Sendable {
    public var steps: Int
    /// Pairs per step (2·batch sequences go through the model).
    public var batch: Int
    public var lr: Float
    public var warmupSteps: Int
    public var decay: LearningRateSchedule.Decay
    public var evalEvery: Int
    public var seed: UInt64
    public var adamw: AdamWConfig
    /// Eval pairs decoded for `task/accuracy` at every eval step (the first this many with a checkable answer).
    public var taskEvalPairs: Int

    /// The preference stage's settings as a spec names them (`train.*`), with their defaults and ranges.
    public enum Settings {
        public static let steps = Setting<Int>("train.steps", default: 200, .closed(1, 1e9))
        public static let lr = Setting<Float>("train.lr", default: 1e-4, .aboveUpTo(0, 1))
        public static let batch = Setting<Int>("train.batch", default: 16, .closed(1, 1e9))
        public static let evalEvery = Setting<Int>("train.eval_every", default: 25, .closed(1, 1e9))
        public static let warmup = Setting<Int>("train.warmup", default: 10, .closed(0, 1e9))
        public static let decay = Setting<LearningRateSchedule.Decay>("train.decay", default: .constant)
        /// Decoupled AdamW decay on matrices and embeddings; 0 keeps the policy's pull toward the reference
        /// to the loss alone.
        public static let weightDecay = Setting<Float>("train.weight_decay", default: 0, .closed(0, 100))
        public static let taskEvalPairs = Setting<Int>("train.task_eval_pairs", default: 64, .closed(0, 1e9))
    }

    public init(steps: Int = Settings.steps.defaultValue, batch: Int = Settings.batch.defaultValue,
                lr: Float = Settings.lr.defaultValue, warmupSteps: Int = Settings.warmup.defaultValue,
                decay: LearningRateSchedule.Decay = Settings.decay.defaultValue,
                evalEvery: Int = Settings.evalEvery.defaultValue, seed: UInt64 = 0,
                adamw: AdamWConfig = AdamWConfig(weightDecay: Settings.weightDecay.defaultValue),
                taskEvalPairs: Int = Settings.taskEvalPairs.defaultValue) {
        self.steps = steps
        self.batch = batch
        self.lr = lr
        self.warmupSteps = warmupSteps
        self.decay = decay
        self.evalEvery = evalEvery
        self.seed = seed
        self.adamw = adamw
        self.taskEvalPairs = taskEvalPairs
    }

    /// Throws `DPOPError.invalidSetting` naming the first setting out of range.
    public func validate() throws(DPOPError) {
        try DPOPError.checkingSettings { () throws(SettingError) in
            try Settings.steps.check(steps)
            try Settings.batch.check(batch)
            try Settings.lr.check(lr)
            try Settings.evalEvery.check(evalEvery)
            try Settings.warmup.check(warmupSteps)
            try Settings.weightDecay.check(adamw.weightDecay)
            try Settings.taskEvalPairs.check(taskEvalPairs)
        }
    }
}
