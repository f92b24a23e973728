/// The Wilson score interval of a binomial proportion: unlike p ± z·√(p(1−p)/n) it stays inside
/// [0, 1] and does not collapse to a point at 0 or n successes (what a small model's accuracy often is).
public struct WilsonInterval: Equatable, Sendable {
    public let low: Double
    public let high: Double

    /// z of a two-sided 95% interval.
    public static let z95 = 1.959963984540054

    /// The interval for `successes` of `trials` (trials ≥ 1) at the two-sided level of `z`.
    public init(successes: Int, trials: Int, z: Double = WilsonInterval.z95) {
        precondition(trials >= 1 && successes >= 0 && successes <= trials, "\(successes) successes of \(trials) trials")
        let n = Double(trials), p = Double(successes) / n, z2 = z * z
        let center = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        low = max(0, center - half)
        high = min(1, center + half)
    }

    /// Problems needed for a half-width of at most `halfWidth` at any accuracy (the worst case, p = ½,
    /// by the normal approximation the Wilson interval approaches): ⌈(z / 2h)²⌉.
    public static func trialsFor(halfWidth: Double, z: Double = WilsonInterval.z95) -> Int {
        Int((z / (2 * halfWidth) * (z / (2 * halfWidth))).rounded(.up))
    }
}
