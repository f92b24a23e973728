import ArgumentParser
import DPOPTrainer

/// Loss flags shared by `train` and `score`.
struct LossOptions: ParsableArguments {
    @Option(help: "Loss: \(PreferenceLossKind.allNames.joined(separator: ", ")) (sigmoid is dpo; see the README's loss table), or a combination joined by + (dpo+sft), optionally weighted (0.8*dpo+0.2*bco_pair).")
    var loss: String = PreferenceLossConfig.Settings.kind.defaultValue.rawValue
    @Option(help: "β, inverse temperature of the implicit reward.") var beta = PreferenceLossConfig.Settings.beta.defaultValue
    @Option(name: .customLong("lambda"), help: "λ, DPOP's penalty weight.")
    var lambdaValue = PreferenceLossConfig.Settings.lambda.defaultValue
    @Option(help: "DPOP penalty placement: inside or outside.")
    var placement: String = PreferenceLossConfig.Settings.placement.defaultValue.rawValue
    @Option(help: "ε for cdpo, robust and exo_pair.") var epsilon = PreferenceLossConfig.Settings.epsilon.defaultValue
    @Option(help: "γ for simpo.") var gamma = PreferenceLossConfig.Settings.gamma.defaultValue
    @Option(help: "α for orpo and rpo.") var alpha = PreferenceLossConfig.Settings.alpha.defaultValue
    @Option(help: "τ for discopop.") var tau = PreferenceLossConfig.Settings.tau.defaultValue
    @Option(help: "λ_s for dpo_shift, the weight of the rejected log-ratio.") var shift = PreferenceLossConfig.Settings.shift.defaultValue
    @Option(help: "Weights of a --loss combination's members, in order, comma-separated (1,0.5); 1 each when not given.")
    var lossWeights: String?
    @Option(help: "f-divergence reshaping the log-ratios of dpo, ipo, cdpo, robust, hinge, exo_pair, discopop and sigmoid_norm: \(FDivergence.allCases.map(\.rawValue).joined(separator: ", ")).")
    var fDivergence: String = PreferenceLossConfig.Settings.fDivergence.defaultValue.rawValue
    @Option(help: "α of --f-divergence alpha_divergence, in [0, 1].")
    var fAlphaDivergenceCoef = PreferenceLossConfig.Settings.fAlphaDivergenceCoef.defaultValue
    @Option(help: "λ_s of dpo_shift at the last step: λ_s moves linearly from --shift to it (fixed when not given).")
    var shiftEnd: Double?
    @Option(help: "LD-DPO's α in [0, 1]: weight of the tokens of the longer answer beyond the shorter one's length, for any loss (1: none).")
    var ldAlpha = PreferenceLossConfig.Settings.ldAlpha.defaultValue

    func config() throws -> PreferenceLossConfig {
        var terms: [PreferenceLossTerm]
        do { terms = try PreferenceLossTerm.parse(loss) } catch {
            let choices = error.problem.hasPrefix("unknown loss") ? "; choose from \(PreferenceLossKind.allNames.joined(separator: ", "))" : ""
            throw ValidationError("--loss: \(error.problem)\(choices)")
        }
        if let lossWeights {
            let items = lossWeights.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard items.count == terms.count else {
                throw ValidationError("--loss-weights gives \(items.count) weights for the \(terms.count) losses of --loss '\(loss)'; give one per loss, in order")
            }
            guard !terms.contains(where: { $0.weight != 1 }) else {
                throw ValidationError("--loss '\(loss)' already weighs its members; drop --loss-weights or the weights in --loss")
            }
            for (i, item) in items.enumerated() {
                let range = PreferenceLossTerm.weightRange
                guard let w = Double(item), w.isFinite, range.contains(w) else {
                    throw ValidationError("--loss-weights: '\(item)' must be a number \(range.phrase(integer: false))")
                }
                terms[i].weight = w
            }
        }
        guard let place = DPOPPlacement(rawValue: placement) else { throw ValidationError("--placement must be inside or outside") }
        guard let divergence = FDivergence(rawValue: fDivergence) else {
            throw ValidationError("--f-divergence must be one of \(FDivergence.allCases.map(\.rawValue).joined(separator: ", ")), got '\(fDivergence)'")
        }
        var config = PreferenceLossConfig(kind: terms[0].kind, beta: beta, lambda: lambdaValue, placement: place,
                                          epsilon: epsilon, gamma: gamma, alpha: alpha, tau: tau, shift: shift,
                                          fDivergence: divergence, fAlphaDivergenceCoef: fAlphaDivergenceCoef, ldAlpha: ldAlpha,
                                          shiftEnd: shiftEnd)
        config.setMembers(terms)
        try SettingFlags.loss.validating { try config.validate() }
        return config
    }
}
