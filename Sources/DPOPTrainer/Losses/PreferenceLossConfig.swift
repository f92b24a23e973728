/// A preference loss and its hyperparameters; fields a kind does not use (see `usedParameters`) are ignored.
public struct PreferenceLossConfig: Codable, Equatable, Sendable {
    /// Which loss.
    public var kind: PreferenceLossKind
    /// β: inverse temperature of the implicit reward (τ for IPO); used by all but `orpo` and `sft`.
    public var beta: Double
    /// λ: weight of DPOP's penalty on a falling chosen log-prob.
    public var lambda: Double
    /// Whether DPOP's penalty sits inside or outside the log-sigmoid.
    public var placement: DPOPPlacement
    /// ε: label-noise rate of `cdpo` (in [0, 1]) and `robust` (in [0, 0.5)); EXO's smoothing ε (in (0, 1)).
    public var epsilon: Double
    /// γ: SimPO's target reward margin.
    public var gamma: Double
    /// α: weight of ORPO's odds-ratio term and of RPO's chosen NLL term.
    public var alpha: Double
    /// τ: temperature of DiscoPOP's switch between its logistic and exponential parts.
    public var tau: Double
    /// λ_s: DPO-Shift's weight on the rejected log-ratio (at step 0 when `shiftEnd` schedules it).
    public var shift: Double
    /// DPO-Shift's λ_s at the last step: λ_s moves linearly from `shift` to it over training; nil keeps it fixed.
    public var shiftEnd: Double?
    /// The f-divergence whose f′ replaces the log-ratios of the losses that read it (`FDivergence`).
    public var fDivergence: FDivergence
    /// α of the α-divergence (TRL's `f_alpha_divergence_coef`).
    public var fAlphaDivergenceCoef: Double
    /// The members of a weighted combination, `kind` being the first; empty when the loss is `kind` alone.
    public var combination: [PreferenceLossTerm]
    /// LD-DPO's α: the weight of the tokens of the longer completion beyond the shorter one's length, in the
    /// sequence log-probs of policy and reference alike; 1 (the default) weighs every token fully.
    public var ldAlpha: Double

    /// The loss settings as a spec names them (`loss.*`), with their defaults (λ = 50 as in the DPOP paper)
    /// and ranges; β, λ, γ and α stop at 10⁶, beyond which the float32 gradients overflow or nothing trains.
    public enum Settings {
        public static let kind = Setting<PreferenceLossKind>("loss.type", default: .dpop)
        public static let beta = Setting<Double>("loss.beta", default: 0.1, .aboveUpTo(0, 1e6))
        public static let lambda = Setting<Double>("loss.lambda", default: 50, .closed(0, 1e6))
        public static let placement = Setting<DPOPPlacement>("loss.placement", default: .inside)
        /// cdpo allows ε up to 1; robust's tighter [0, 0.5) is `robustEpsilon`.
        public static let epsilon = Setting<Double>("loss.epsilon", default: 0.1, .closed(0, 1))
        /// At ε = 0.5 the robust loss divides by 1 − 2ε = 0.
        public static let robustEpsilon = Setting<Double>("loss.epsilon", default: 0.1, SettingRange(
            lower: 0, lowerInclusive: true, upper: 0.5, upperInclusive: false))
        public static let gamma = Setting<Double>("loss.gamma", default: 0.5, .closed(0, 1e6))
        public static let alpha = Setting<Double>("loss.alpha", default: 1.0, .closed(0, 1e6))
        /// exo_pair takes log ε and log(1 − ε), so its ε is in (0, 1).
        public static let exoEpsilon = Setting<Double>("loss.epsilon", default: 0.1, .open(0, 1))
        /// TRL's `discopop_tau` default; above 1 the exponential part grows without bound as the margin falls.
        public static let tau = Setting<Double>("loss.tau", default: 0.05, .aboveUpTo(0, 1))
        /// DPO-Shift's λ_s; 1 is DPO, below 1 the rejected log-ratio counts less (the paper uses 0.5...0.95).
        public static let shift = Setting<Double>("loss.shift", default: 0.75, .closed(0, 1))
        /// The end of DPO-Shift's linear λ_s schedule, in `shift`'s range. It has no default (NaN here):
        /// when it is not given, λ_s stays fixed at `shift`.
        public static let shiftEnd = Setting<Double>("loss.shift_end", default: .nan, .closed(0, 1))
        /// TRL's default: the log-ratio itself, as DPO.
        public static let fDivergence = Setting<FDivergence>("loss.f_divergence", default: .reverseKL)
        /// TRL's default 0.5; the f-DPO paper's range (0, 1), with its ends: 0 is forward KL, 1 reverse KL.
        public static let fAlphaDivergenceCoef = Setting<Double>("loss.f_alpha_divergence_coef", default: 0.5, .closed(0, 1))
        /// TRL's `ld_alpha` (None there is 1 here: no weighting); 0 drops the tokens beyond the shared length.
        public static let ldAlpha = Setting<Double>("loss.ld_alpha", default: 1, .closed(0, 1))
        /// The weights of a combination's members, in the order of `loss.type`'s list (1 each when not given).
        public static let weightsKey = "loss.weights"
    }

    /// Creates a loss configuration with `Settings`' defaults for what is not given.
    public init(
        kind: PreferenceLossKind,
        beta: Double = Settings.beta.defaultValue,
        lambda: Double = Settings.lambda.defaultValue,
        placement: DPOPPlacement = Settings.placement.defaultValue,
        epsilon: Double = Settings.epsilon.defaultValue,
        gamma: Double = Settings.gamma.defaultValue,
        alpha: Double = Settings.alpha.defaultValue,
        tau: Double = Settings.tau.defaultValue,
        shift: Double = Settings.shift.defaultValue,
        fDivergence: FDivergence = Settings.fDivergence.defaultValue,
        fAlphaDivergenceCoef: Double = Settings.fAlphaDivergenceCoef.defaultValue,
        ldAlpha: Double = Settings.ldAlpha.defaultValue,
        shiftEnd: Double? = nil
    ) {
        self.kind = kind
        self.beta = beta
        self.lambda = lambda
        self.placement = placement
        self.epsilon = epsilon
        self.gamma = gamma
        self.alpha = alpha
        self.tau = tau
        self.shift = shift
        self.fDivergence = fDivergence
        self.fAlphaDivergenceCoef = fAlphaDivergenceCoef
        combination = []
        self.ldAlpha = ldAlpha
        self.shiftEnd = shiftEnd
    }

    /// The configuration at `progress` (steps done / total steps, in [0, 1]) of training: DPO-Shift's λ_s
    /// moved linearly from `shift` towards `shiftEnd`; every other loss is itself.
    public func scheduled(progress: Double) -> PreferenceLossConfig {
        guard let shiftEnd, members.contains(where: { $0.kind == .dpoShift }) else { return self }
        var c = self
        c.shift = shift + (shiftEnd - shift) * min(max(progress, 0), 1)
        return c
    }

    /// Whether LD-DPO's weighting is on (α < 1), so log-probs split at the shared length.
    public var weighsTails: Bool { ldAlpha != 1 }

    /// A sequence log-prob as the loss sees it: shared part + α·tail, i.e. `sum` − (1 − α)·`tail`, where
    /// `tail` is the log-prob of the completion's tokens beyond min(|y_w|, |y_l|) (0 for the shorter one).
    public func ldWeighted(_ sum: Double, tail: Double) -> Double {
        weighsTails ? sum - (1 - ldAlpha) * tail : sum
    }

    /// `p` with LD-DPO's weighting applied to all four log-probs, given their tails (`ldWeighted`).
    public func ldWeighted(_ p: PairLogProbs, chosenTail: Double, rejectedTail: Double,
                           referenceChosenTail: Double, referenceRejectedTail: Double) -> PairLogProbs {
        guard weighsTails else { return p }
        var q = p
        q.pc = ldWeighted(p.pc, tail: chosenTail)
        q.pr = ldWeighted(p.pr, tail: rejectedTail)
        q.rc = ldWeighted(p.rc, tail: referenceChosenTail)
        q.rr = ldWeighted(p.rr, tail: referenceRejectedTail)
        return q
    }

    /// The members of the loss: the combination, or `kind` alone with weight 1.
    public var members: [PreferenceLossTerm] {
        combination.isEmpty ? [PreferenceLossTerm(kind)] : combination
    }

    /// Makes the loss the combination `terms` (non-empty); a single member of weight 1 is that loss alone.
    public mutating func setMembers(_ terms: [PreferenceLossTerm]) {
        precondition(!terms.isEmpty, "a loss needs at least one member")
        kind = terms[0].kind
        combination = terms.count == 1 && terms[0].weight == 1 ? [] : terms
    }

    /// The loss's readable name: `kind`'s name, or the combination's label (`0.8·dpo+0.2·bco_pair+sft`).
    public var name: String { PreferenceLossTerm.label(members) }

    /// The fields the loss reads: every member's, and the α-divergence coefficient only under that divergence.
    public var usedParameters: Set<PreferenceLossParameter> {
        var used = members.reduce(into: Set<PreferenceLossParameter>()) { $0.formUnion($1.kind.usedParameters) }
        if fDivergence != .alphaDivergence { used.remove(.fAlphaDivergenceCoef) }
        return used
    }

    /// Whether any member reads the reference model's log-probs.
    public var usesReference: Bool { members.contains { $0.kind.usesReference } }

    /// Throws `DPOPError.invalidSetting` naming the first parameter out of range; only parameters the kind
    /// uses are checked.
    public func validate() throws(DPOPError) {
        try DPOPError.checkingSettings { () throws(SettingError) in try Settings.ldAlpha.check(ldAlpha) }
        if !combination.isEmpty {
            for term in combination {
                guard term.weight.isFinite, PreferenceLossTerm.weightRange.contains(term.weight) else {
                    throw DPOPError.invalidSetting(.outOfRange(Settings.weightsKey, value: PreferenceLossTerm.formatWeight(term.weight),
                                                              requirement: "a number \(PreferenceLossTerm.weightRange.phrase(integer: false))",
                                                              related: [Settings.kind.key]))
                }
            }
            for term in combination {
                var single = self
                single.combination = []
                single.kind = term.kind
                try single.validate()
            }
            return
        }
        let used = usedParameters
        let kindKey = Settings.kind.key
        try DPOPError.checkingSettings { () throws(SettingError) in
            if used.contains(.beta) { try Settings.beta.check(beta) }
            if used.contains(.lambda) { try Settings.lambda.check(lambda) }
            if used.contains(.epsilon) {
                let setting = kind == .robust ? Settings.robustEpsilon : kind == .exoPair ? Settings.exoEpsilon : Settings.epsilon
                guard epsilon.isFinite, setting.range.contains(epsilon) else {
                    let why = kind == .robust ? " (it divides by 1 - 2ε)"
                        : kind == .exoPair ? " (it takes log ε and log(1 - ε); TRL silently uses 1e-3 for 0)" : ""
                    // 0 as a spec writes it, not 0.0.
                    let text = epsilon == epsilon.rounded() && abs(epsilon) < 1e15 ? String(Int(epsilon)) : String(epsilon)
                    throw SettingError.outOfRange(setting.key, value: text,
                                      requirement: "\(setting.requirement(for: epsilon)) for the \(kind.rawValue) loss\(why)",
                                      related: [kindKey])
                }
            }
            if used.contains(.gamma) { try Settings.gamma.check(gamma) }
            if used.contains(.alpha) { try Settings.alpha.check(alpha) }
            if used.contains(.tau) { try Settings.tau.check(tau) }
            if used.contains(.shift) { try Settings.shift.check(shift) }
            if used.contains(.shiftEnd), let shiftEnd { try Settings.shiftEnd.check(shiftEnd) }
            if used.contains(.fAlphaDivergenceCoef) { try Settings.fAlphaDivergenceCoef.check(fAlphaDivergenceCoef) }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, beta, lambda, placement, epsilon, gamma, alpha, tau, shift
        case fDivergence = "f_divergence", fAlphaDivergenceCoef = "f_alpha_divergence_coef", combination
        case ldAlpha = "ld_alpha", shiftEnd = "shift_end"
    }

    /// Encodes every field, except that the ones added later (`tau`, `shift`, the f-divergence and its
    /// coefficient, `combination`, `ld_alpha`, `shift_end`) are left out at their defaults, so configurations written before them,
    /// and the cell ids hashed from them, stay the same.
    public func encode(to encoder: Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(beta, forKey: .beta)
        try c.encode(lambda, forKey: .lambda)
        try c.encode(placement, forKey: .placement)
        try c.encode(epsilon, forKey: .epsilon)
        try c.encode(gamma, forKey: .gamma)
        try c.encode(alpha, forKey: .alpha)
        if tau != Settings.tau.defaultValue { try c.encode(tau, forKey: .tau) }
        if shift != Settings.shift.defaultValue { try c.encode(shift, forKey: .shift) }
        if fDivergence != Settings.fDivergence.defaultValue { try c.encode(fDivergence, forKey: .fDivergence) }
        if fAlphaDivergenceCoef != Settings.fAlphaDivergenceCoef.defaultValue {
            try c.encode(fAlphaDivergenceCoef, forKey: .fAlphaDivergenceCoef)
        }
        if !combination.isEmpty { try c.encode(combination, forKey: .combination) }
        if ldAlpha != Settings.ldAlpha.defaultValue { try c.encode(ldAlpha, forKey: .ldAlpha) }
        try c.encodeIfPresent(shiftEnd, forKey: .shiftEnd)
    }

    /// Decodes a configuration; every field but `kind` may be missing and then takes its default.
    public init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = PreferenceLossConfig(kind: try c.decode(PreferenceLossKind.self, forKey: .kind))
        self = defaults
        beta = try c.decodeIfPresent(Double.self, forKey: .beta) ?? defaults.beta
        lambda = try c.decodeIfPresent(Double.self, forKey: .lambda) ?? defaults.lambda
        placement = try c.decodeIfPresent(DPOPPlacement.self, forKey: .placement) ?? defaults.placement
        epsilon = try c.decodeIfPresent(Double.self, forKey: .epsilon) ?? defaults.epsilon
        gamma = try c.decodeIfPresent(Double.self, forKey: .gamma) ?? defaults.gamma
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? defaults.alpha
        tau = try c.decodeIfPresent(Double.self, forKey: .tau) ?? defaults.tau
        shift = try c.decodeIfPresent(Double.self, forKey: .shift) ?? defaults.shift
        fDivergence = try c.decodeIfPresent(FDivergence.self, forKey: .fDivergence) ?? defaults.fDivergence
        fAlphaDivergenceCoef = try c.decodeIfPresent(Double.self, forKey: .fAlphaDivergenceCoef) ?? defaults.fAlphaDivergenceCoef
        combination = try c.decodeIfPresent([PreferenceLossTerm].self, forKey: .combination) ?? []
        ldAlpha = try c.decodeIfPresent(Double.self, forKey: .ldAlpha) ?? defaults.ldAlpha
        shiftEnd = try c.decodeIfPresent(Double.self, forKey: .shiftEnd)
    }
}
