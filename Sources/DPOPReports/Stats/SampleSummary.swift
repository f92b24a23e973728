import Foundation

/// Mean, sample standard deviation and a Student-t confidence interval of a few values (one per seed).
///
/// With one value the spread is unknown, so `std` and the interval are nil rather than 0 or NaN.
public struct SampleSummary: Equatable, Sendable {
    public let n: Int
    public let mean: Double
    /// Sample standard deviation (n − 1 in the denominator); nil when n = 1.
    public let std: Double?
    /// Confidence interval of the mean; nil when n = 1.
    public let ciLow: Double?
    public let ciHigh: Double?
    /// Confidence level of the interval (0.95).
    public let level: Double

    /// Summarises `values` (non-finite ones are dropped); nil when none is left.
    public init?(_ values: [Double], level: Double = 0.95) {
        let xs = values.filter { $0.isFinite }
        guard !xs.isEmpty else { return nil }
        let count = xs.count
        let m = xs.reduce(0, +) / Double(count)
        n = count
        mean = m
        self.level = level
        if count >= 2 {
            let variance = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count - 1)
            let s = variance.squareRoot()
            let half = StudentT.quantile(0.5 + level / 2, degreesOfFreedom: Double(count - 1)) * s / Double(count).squareRoot()
            std = s
            ciLow = m - half
            ciHigh = m + half
        } else {
            std = nil
            ciLow = nil
            ciHigh = nil
        }
    }

    /// True when the whole interval lies below zero (needs n ≥ 2): "significantly negative".
    public var isSignificantlyNegative: Bool { ciHigh.map { $0 < 0 } ?? false }
}
