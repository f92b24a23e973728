import ArgumentParser
import DPOPTrainer

/// Which flag of a command sets which setting, so a `SettingError` (named by the spec's key) is reported
/// under the flag the user typed: `--batch must be in 1...1000000000, got 0 (train.batch in a spec)`.
struct SettingFlags {
    /// Spec key → flag name without the dashes.
    var flags: [String: String]

    init(_ flags: [String: String]) { self.flags = flags }

    /// The model-shape flags of `ModelOptions`.
    static let model = SettingFlags([
        GPTConfig.Settings.embedding.key: "embedding", GPTConfig.Settings.layers.key: "layers",
        GPTConfig.Settings.heads.key: "heads", GPTConfig.Settings.context.key: "context",
    ])

    /// The loss flags of `LossOptions`.
    static let loss = SettingFlags([
        PreferenceLossConfig.Settings.beta.key: "beta", PreferenceLossConfig.Settings.lambda.key: "lambda",
        PreferenceLossConfig.Settings.epsilon.key: "epsilon", PreferenceLossConfig.Settings.gamma.key: "gamma",
        PreferenceLossConfig.Settings.alpha.key: "alpha", PreferenceLossConfig.Settings.kind.key: "loss",
        PreferenceLossConfig.Settings.tau.key: "tau", PreferenceLossConfig.Settings.shift.key: "shift",
        PreferenceLossConfig.Settings.fDivergence.key: "f-divergence",
        PreferenceLossConfig.Settings.fAlphaDivergenceCoef.key: "f-alpha-divergence-coef",
        PreferenceLossConfig.Settings.weightsKey: "loss-weights",
        PreferenceLossConfig.Settings.ldAlpha.key: "ld-alpha",
        PreferenceLossConfig.Settings.shiftEnd.key: "shift-end",
    ])

    static func + (a: SettingFlags, b: SettingFlags) -> SettingFlags {
        SettingFlags(a.flags.merging(b.flags) { first, _ in first })
    }

    /// Runs `body`; a `DPOPError.invalidSetting` becomes a `ValidationError` naming the flag (non-zero exit).
    func validating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch DPOPError.invalidSetting(let e) {
            let name = flags[e.setting].map { "--\($0)" } ?? e.setting
            var e = e
            // A rule involving another setting names it by its flag too.
            for key in e.related { if let flag = flags[key] { e.problem = e.problem.replacingOccurrences(of: key, with: "--\(flag)") } }
            // Benchmark settings have no spec key to point to.
            let spec = flags[e.setting] == nil || e.setting.hasPrefix("bench.") ? "" : " (\(e.setting) in a spec)"
            throw ValidationError(e.message(naming: name) + spec + (e.hint.map { "\nhint: \($0)" } ?? ""))
        }
    }
}
