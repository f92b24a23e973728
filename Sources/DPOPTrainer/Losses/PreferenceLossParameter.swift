/// A hyperparameter field of `PreferenceLossConfig`; raw values are the names specs use (`loss.beta`).
public enum PreferenceLossParameter: String, CaseIterable, Sendable {
    case beta, lambda, placement, epsilon, gamma, alpha, tau, shift
    case fDivergence = "f_divergence"
    case fAlphaDivergenceCoef = "f_alpha_divergence_coef"
    case ldAlpha = "ld_alpha"
    case shiftEnd = "shift_end"

    /// Parameters every loss reads: LD-DPO's α reshapes the sequence log-probs before any loss sees them,
    /// so it is not in a kind's `usedParameters`.
    public static let universal: Set<PreferenceLossParameter> = [.ldAlpha]
}
