/// A hyperparameter field of `PreferenceLossConfig`; raw values are the names specs use (`loss.beta`).
public enum PreferenceLossParameter: String, CaseIterable, Sendable {
    case beta, lambda, placement, epsilon, gamma, alpha, tau, shift
    case fDivergence = "f_divergence"
    case fAlphaDivergenceCoef = "f_alpha_divergence_coef"
}
