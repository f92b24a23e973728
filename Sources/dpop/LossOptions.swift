import ArgumentParser
import DPOPTrainer

/// Loss flags shared by `train` and `score`.
struct LossOptions: ParsableArguments {
    @Option(help: "Loss: \(PreferenceLossKind.allNames.joined(separator: ", ")) (sigmoid is dpo; see the README's loss table).")
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

    func config() throws -> PreferenceLossConfig {
        guard let kind = PreferenceLossKind.named(loss) else {
            throw ValidationError("unknown --loss '\(loss)'; choose one of \(PreferenceLossKind.allNames.joined(separator: ", "))")
        }
        guard let place = DPOPPlacement(rawValue: placement) else { throw ValidationError("--placement must be inside or outside") }
        let config = PreferenceLossConfig(kind: kind, beta: beta, lambda: lambdaValue, placement: place,
                                          epsilon: epsilon, gamma: gamma, alpha: alpha, tau: tau, shift: shift)
        try SettingFlags.loss.validating { try config.validate() }
        return config
    }
}
