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

    /// Creates a configuration; the defaults give short two-step problems that fit a 128-token context.
    public init(
        count: Int = 1000,
        steps: ClosedRange<Int> = 2...2,
        maxNumber: Int = 50,
        corruption: ArithCorruptionMix = ArithCorruptionMix(only: .step),
        seed: UInt64 = 0,
        maxContext: Int = 128
    ) {
        self.count = count
        self.steps = steps
        self.maxNumber = maxNumber
        self.corruption = corruption
        self.seed = seed
        self.maxContext = maxContext
    }

    /// Throws `DPOPError.invalidConfiguration` naming the first setting out of range.
    public func validate() throws {
        func fail(_ m: String) -> DPOPError { .invalidConfiguration("arith task: \(m)") }
        guard count >= 1 else { throw fail("count must be at least 1, got \(count)") }
        guard steps.lowerBound >= 1 && steps.upperBound <= 4 else {
            throw fail("steps must lie within 1...4, got \(steps.lowerBound)...\(steps.upperBound)")
        }
        guard maxNumber >= 5 && maxNumber <= 999 else {
            throw fail("maxNumber must be in 5...999, got \(maxNumber)")
        }
        // The longest three-step texts need about 120 tokens; below 64 even one step often fails to fit.
        guard maxContext >= 64 else { throw fail("maxContext must be at least 64, got \(maxContext)") }
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
