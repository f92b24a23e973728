import ArgumentParser
import DPOPTrainer

/// Loss flags shared by `train` and `score`.
struct LossOptions: ParsableArguments {
    @Option(help: "Loss: \(PreferenceLossKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var loss: String = "dpop"
    @Option(help: "β, inverse temperature of the implicit reward.") var beta: Double = 0.1
    @Option(name: .customLong("lambda"), help: "λ, DPOP's penalty weight.") var lambdaValue: Double = 50
    @Option(help: "DPOP penalty placement: inside or outside.") var placement: String = "inside"
    @Option(help: "ε for cdpo and robust.") var epsilon: Double = 0.1
    @Option(help: "γ for simpo.") var gamma: Double = 0.5
    @Option(help: "α for orpo and rpo.") var alpha: Double = 1.0

    func config() throws -> PreferenceLossConfig {
        guard let kind = PreferenceLossKind(rawValue: loss) else {
            throw ValidationError("unknown --loss '\(loss)'; choose one of \(PreferenceLossKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let place = DPOPPlacement(rawValue: placement) else { throw ValidationError("--placement must be inside or outside") }
        let config = PreferenceLossConfig(kind: kind, beta: beta, lambda: lambdaValue, placement: place,
                                          epsilon: epsilon, gamma: gamma, alpha: alpha)
        try config.validate()
        return config
    }
}
