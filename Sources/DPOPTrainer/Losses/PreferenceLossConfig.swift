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
    /// ε: label-noise rate of `cdpo` (in [0, 1]) and `robust` (in [0, 0.5)).
    public var epsilon: Double
    /// γ: SimPO's target reward margin.
    public var gamma: Double
    /// α: weight of ORPO's odds-ratio term and of RPO's chosen NLL term.
    public var alpha: Double

    /// Creates a loss configuration; the defaults are the usual published ones (λ = 50 as in the DPOP paper).
    public init(
        kind: PreferenceLossKind,
        beta: Double = 0.1,
        lambda: Double = 50,
        placement: DPOPPlacement = .inside,
        epsilon: Double = 0.1,
        gamma: Double = 0.5,
        alpha: Double = 1.0
    ) {
        self.kind = kind
        self.beta = beta
        self.lambda = lambda
        self.placement = placement
        self.epsilon = epsilon
        self.gamma = gamma
        self.alpha = alpha
    }

    /// Names of the fields `kind` reads (`beta`, `lambda`, `placement`, `epsilon`, `gamma`, `alpha`).
    public var usedParameters: Set<String> { kind.usedParameters }

    /// Throws `DPOPError.invalidConfiguration` naming the first parameter out of range; only parameters the kind uses are checked.
    public func validate() throws {
        let used = usedParameters
        func fail(_ what: String) -> DPOPError {
            .invalidConfiguration("loss \(kind.rawValue): \(what)")
        }
        if used.contains("beta"), !(beta.isFinite && beta > 0) {
            throw fail("beta must be a finite number > 0, got \(beta)")
        }
        if used.contains("lambda"), !(lambda.isFinite && lambda >= 0) {
            throw fail("lambda must be a finite number >= 0, got \(lambda)")
        }
        if used.contains("epsilon") {
            switch kind {
            case .robust where !(epsilon >= 0 && epsilon < 0.5):
                // At ε = 0.5 the robust loss divides by 1 − 2ε = 0.
                throw fail("epsilon must be in [0, 0.5), got \(epsilon)")
            case .cdpo where !(epsilon >= 0 && epsilon <= 1):
                throw fail("epsilon must be in [0, 1], got \(epsilon)")
            default:
                break
            }
        }
        if used.contains("gamma"), !(gamma.isFinite && gamma >= 0) {
            throw fail("gamma must be a finite number >= 0, got \(gamma)")
        }
        if used.contains("alpha"), !(alpha.isFinite && alpha >= 0) {
            throw fail("alpha must be a finite number >= 0, got \(alpha)")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, beta, lambda, placement, epsilon, gamma, alpha
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
    }
}
