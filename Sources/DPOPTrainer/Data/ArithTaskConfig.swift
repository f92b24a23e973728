import Foundation

/// Settings of the built-in `arith` task; the same settings always generate byte-identical pairs.
public struct ArithTaskConfig: Codable, Equatable, Sendable {
    /// Number of pairs.
    public var count: Int
    /// Number of equations in a worked solution, drawn uniformly from this range per pair (1...4).
    ///
    /// Prompt + chosen + end-of-text is about 80 tokens for one step, 100 for two, 124 for three and
    /// 146 for four (means at maxNumber 50). Problems that do not fit `maxContext` are redrawn, so at
    /// 128 tokens three-step problems lean short and four-step ones need a context of about 170.
    public var steps: ClosedRange<Int>
    /// Largest number a problem states (≥ 5); intermediate results stay at or below 10 × this.
    public var maxNumber: Int
    /// How rejected completions are corrupted; counts per mode follow the weights exactly.
    public var corruption: ArithCorruptionMix
    /// Seed of everything random.
    public var seed: UInt64
    /// Context length to respect: prompt + completion + end-of-text fits for both completions.
    public var maxContext: Int

    /// The task's settings as a spec names them (`data.*`), with their defaults and ranges.
    public enum Settings {
        public static let pairs = Setting<Int>("data.pairs", default: 2000, .atLeast(10))
        public static let corruption = Setting<ArithCorruptionMix>("data.corruption", default: ArithCorruptionMix(only: .step))
        public static let steps = Setting<Int>("data.steps", default: 2, .closed(1, 4))
        public static let maxNumber = Setting<Int>("data.max_number", default: 50, .closed(5, 999))
        public static let seed = Setting<UInt64>("data.seed", default: 0)
        /// The longest three-step texts need about 120 tokens; below 64 even one step often fails to fit.
        public static let context = Setting<Int>(GPTConfig.Settings.context.key, default: GPTConfig.Settings.context.defaultValue,
                                                 .atLeast(64), hint: "two-step problems need about 100 tokens")
    }

    /// Creates a configuration with `Settings`' defaults: two-step problems that fit a 128-token context.
    public init(
        count: Int = Settings.pairs.defaultValue,
        steps: ClosedRange<Int> = Settings.steps.defaultValue...Settings.steps.defaultValue,
        maxNumber: Int = Settings.maxNumber.defaultValue,
        corruption: ArithCorruptionMix = Settings.corruption.defaultValue,
        seed: UInt64 = Settings.seed.defaultValue,
        maxContext: Int = Settings.context.defaultValue
    ) {
        self.count = count
        self.steps = steps
        self.maxNumber = maxNumber
        self.corruption = corruption
        self.seed = seed
        self.maxContext = maxContext
    }

    /// Throws `DPOPError.invalidSetting` naming the first setting out of range.
    public func validate() throws(DPOPError) {
        try DPOPError.checkingSettings { () throws(SettingError) in
            try Settings.pairs.check(count)
            do {
                try Settings.steps.check(steps.lowerBound)
                try Settings.steps.check(steps.upperBound)
            } catch {
                throw SettingError.outOfRange(Settings.steps.key, value: steps.lowerBound == steps.upperBound ? "\(steps.lowerBound)"
                                  : "\(steps.lowerBound)...\(steps.upperBound)", requirement: "within 1...4")
            }
            try Settings.maxNumber.check(maxNumber)
            guard Settings.context.range.contains(Double(maxContext)) else {
                throw SettingError.outOfRange(Settings.context.key, value: String(maxContext), requirement: "at least 64 for the arith task",
                                  hint: Settings.context.hint)
            }
        }
    }

    /// Parses a step count `K` or a range `LO-HI` / `LO...HI` (e.g. `2`, `2-3`); range checks are left to `validate`.
    public static func parseSteps(_ text: String) throws -> ClosedRange<Int> {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts: [Substring]
        if t.contains("...") {
            parts = t.components(separatedBy: "...").map { Substring($0) }
        } else {
            parts = t.split(separator: "-", omittingEmptySubsequences: false)
        }
        let numbers = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch (numbers.count, numbers.first ?? nil, numbers.last ?? nil) {
        case (1, let k?, _):
            return k...k
        case (2, let lo?, let hi?) where lo <= hi:
            return lo...hi
        case (2, let lo?, let hi?):
            throw DPOPError.invalidConfiguration("arith steps '\(text)': \(lo) is above \(hi)")
        default:
            throw DPOPError.invalidConfiguration("arith steps '\(text)': expected a count like 2 or a range like 2-3")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case count, steps, maxNumber, corruption, seed, maxContext
    }

    /// Decodes a configuration; missing fields take their defaults.
    public init(from decoder: Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ArithTaskConfig()
        count = try c.decodeIfPresent(Int.self, forKey: .count) ?? d.count
        steps = try c.decodeIfPresent(ClosedRange<Int>.self, forKey: .steps) ?? d.steps
        maxNumber = try c.decodeIfPresent(Int.self, forKey: .maxNumber) ?? d.maxNumber
        corruption = try c.decodeIfPresent(ArithCorruptionMix.self, forKey: .corruption) ?? d.corruption
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        maxContext = try c.decodeIfPresent(Int.self, forKey: .maxContext) ?? d.maxContext
    }
}
