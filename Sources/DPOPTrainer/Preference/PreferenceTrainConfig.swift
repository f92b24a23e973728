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
    /// Tokens on each side of the first difference in the eval's displacement profile (0: no profile).
    public var profileRadius: Int
    /// Eval pairs (the first this many) whose gradient entanglement is measured at every eval step (0: none).
    public var entanglementPairs: Int
    /// Whether the run writes `pairs.jsonl`: every pair's statistics and Δw, Δl at the end.
    public var pairRecords: Bool
    /// Whether the step, the reference log-probs and the evaluation's log-probs run each pair as one shared-trunk
    /// row (`SharedTrunkBatch`) instead of two sequences; the same numbers within float32 rounding, less work.
    public var shareTrunk: Bool

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
        /// K of the per-token displacement profile (offsets −K…K around the first difference); 0 turns it off.
        public static let profileRadius = Setting<Int>("train.profile_radius", default: DisplacementProfile.defaultRadius, .closed(0, 4096))
        /// Off by default: two backward passes per pair at every eval step is a cost worth choosing.
        public static let entanglementPairs = Setting<Int>("train.entanglement_pairs", default: 0, .closed(0, 1e9))
        /// Off by default: CHES and the final log-probs of every pair cost two forward passes over the data.
        public static let pairRecords = Setting<Bool>("train.pair_records", default: false)
        /// On by default; `false` keeps the two-sequence path (the reference the shared one is tested against).
        public static let shareTrunk = Setting<Bool>("train.share_trunk", default: true)
        /// What a configuration written before `train.share_trunk` existed ran: the two-sequence path.
        public static let legacyShareTrunk = false
    }

    public init(steps: Int = Settings.steps.defaultValue, batch: Int = Settings.batch.defaultValue,
                lr: Float = Settings.lr.defaultValue, warmupSteps: Int = Settings.warmup.defaultValue,
                decay: LearningRateSchedule.Decay = Settings.decay.defaultValue,
                evalEvery: Int = Settings.evalEvery.defaultValue, seed: UInt64 = 0,
                adamw: AdamWConfig = AdamWConfig(weightDecay: Settings.weightDecay.defaultValue),
                taskEvalPairs: Int = Settings.taskEvalPairs.defaultValue,
                profileRadius: Int = Settings.profileRadius.defaultValue,
                entanglementPairs: Int = Settings.entanglementPairs.defaultValue,
                pairRecords: Bool = Settings.pairRecords.defaultValue,
                shareTrunk: Bool = Settings.shareTrunk.defaultValue) {
        self.steps = steps
        self.batch = batch
        self.lr = lr
        self.warmupSteps = warmupSteps
        self.decay = decay
        self.evalEvery = evalEvery
        self.seed = seed
        self.adamw = adamw
        self.taskEvalPairs = taskEvalPairs
        self.profileRadius = profileRadius
        self.entanglementPairs = entanglementPairs
        self.pairRecords = pairRecords
        self.shareTrunk = shareTrunk
    }

    private enum CodingKeys: String, CodingKey {
        case steps, batch, lr, warmupSteps, decay, evalEvery, seed, adamw, taskEvalPairs, profileRadius, entanglementPairs, pairRecords, shareTrunk
    }

    /// Encodes every field, except that the diagnostics' settings added later (`profileRadius`, `entanglementPairs`,
    /// `pairRecords`) are left out at their defaults, so configurations written before them, and the cell ids hashed
    /// from them, stay the same. `shareTrunk` is always written: it changes the floats a cell computes, and a
    /// configuration without it ran the two-sequence path, so a cell id hashed before it existed must not match.
    public func encode(to encoder: Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(steps, forKey: .steps)
        try c.encode(batch, forKey: .batch)
        try c.encode(lr, forKey: .lr)
        try c.encode(warmupSteps, forKey: .warmupSteps)
        try c.encode(decay, forKey: .decay)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(seed, forKey: .seed)
        try c.encode(adamw, forKey: .adamw)
        try c.encode(taskEvalPairs, forKey: .taskEvalPairs)
        if profileRadius != Settings.profileRadius.defaultValue { try c.encode(profileRadius, forKey: .profileRadius) }
        if entanglementPairs != Settings.entanglementPairs.defaultValue { try c.encode(entanglementPairs, forKey: .entanglementPairs) }
        if pairRecords != Settings.pairRecords.defaultValue { try c.encode(pairRecords, forKey: .pairRecords) }
        try c.encode(shareTrunk, forKey: .shareTrunk)
    }

    /// Decodes a configuration; the diagnostics' settings may be missing and then take their defaults, and a
    /// missing `shareTrunk` means the two-sequence path that configuration ran (`Settings.legacyShareTrunk`).
    public init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(steps: try c.decode(Int.self, forKey: .steps), batch: try c.decode(Int.self, forKey: .batch),
                  lr: try c.decode(Float.self, forKey: .lr), warmupSteps: try c.decode(Int.self, forKey: .warmupSteps),
                  decay: try c.decode(LearningRateSchedule.Decay.self, forKey: .decay),
                  evalEvery: try c.decode(Int.self, forKey: .evalEvery), seed: try c.decode(UInt64.self, forKey: .seed),
                  adamw: try c.decode(AdamWConfig.self, forKey: .adamw), taskEvalPairs: try c.decode(Int.self, forKey: .taskEvalPairs),
                  profileRadius: try c.decodeIfPresent(Int.self, forKey: .profileRadius) ?? Settings.profileRadius.defaultValue,
                  entanglementPairs: try c.decodeIfPresent(Int.self, forKey: .entanglementPairs) ?? Settings.entanglementPairs.defaultValue,
                  pairRecords: try c.decodeIfPresent(Bool.self, forKey: .pairRecords) ?? Settings.pairRecords.defaultValue,
                  shareTrunk: try c.decodeIfPresent(Bool.self, forKey: .shareTrunk) ?? Settings.legacyShareTrunk)
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
            try Settings.profileRadius.check(profileRadius)
            try Settings.entanglementPairs.check(entanglementPairs)
        }
    }
}
