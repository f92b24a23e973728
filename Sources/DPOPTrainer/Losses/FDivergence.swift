import Foundation

/// The f-divergence that regularises the policy towards the reference (f-DPO, Wang et al. 2023), as TRL's
/// `f_divergence_type`: it replaces each log-ratio r = log π/π_ref by the score f′(π/π_ref) the loss compares.
public enum FDivergence: String, CaseIterable, Codable, Sendable {
    /// f′(u) = log u: the score is r itself (DPO).
    case reverseKL = "reverse_kl"
    /// f′(u) = 1 − 1/u: the score is 1 − e^{−r}.
    case forwardKL = "forward_kl"
    /// f′(u) = log(2u/(1+u)): the score is log 2 + log σ(r).
    case jsDivergence = "js_divergence"
    /// f′(u) = (u^{α−1} − 1)/(α − 1) with α = `f_alpha_divergence_coef`; α = 1 is `reverse_kl`.
    case alphaDivergence = "alpha_divergence"

    /// Largest exponent (α − 1)·r the α-divergence evaluates; beyond it the score is held (slope 0), as TRL's
    /// float32 clamp does, so e^{(α−1)r} stays finite.
    static let alphaExponentLimit = 80.0

    /// The score of log-ratio `r` and its derivative d score / d r; `coefficient` is α (read by `alpha_divergence` only).
    func score(_ r: Double, coefficient alpha: Double) -> (value: Double, slope: Double) {
        switch self {
        case .reverseKL:
            return (r, 1)
        case .forwardKL:
            let e = exp(-r)
            return (-expm1(-r), e)
        case .jsDivergence:
            return (M_LN2 + StableMath.logSigmoid(r), StableMath.sigmoid(-r))
        case .alphaDivergence:
            // TRL's limit case: within 1e-6 of α = 1 the score is the log-ratio.
            if abs(alpha - 1) < 1e-6 { return (r, 1) }
            let t = (alpha - 1) * r
            if t > Self.alphaExponentLimit { return (expm1(Self.alphaExponentLimit) / (alpha - 1), 0) }
            return (expm1(t) / (alpha - 1), exp(t))
        }
    }
}
