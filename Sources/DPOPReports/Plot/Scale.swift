import Foundation

/// Maps data values to pixels along one axis, linearly or on a log₁₀ scale, and proposes ticks.
public struct Scale: Equatable, Sendable {
    public enum Kind: String, Sendable { case linear, log }

    public let kind: Kind
    /// Data interval shown (positive for a log scale).
    public let domain: ClosedRange<Double>
    /// Pixel positions of `domain.lowerBound` and `domain.upperBound` (for a y axis the first is the larger).
    public let range: (Double, Double)
    /// Distance between linear ticks, when the domain was chosen for it (else derived from the domain).
    public let tickStep: Double?

    public static func == (a: Scale, b: Scale) -> Bool {
        a.kind == b.kind && a.domain == b.domain && a.range == b.range && a.tickStep == b.tickStep
    }

    public init(kind: Kind = .linear, domain: ClosedRange<Double>, range: (Double, Double), tickStep: Double? = nil) {
        precondition(kind == .linear || domain.lowerBound > 0, "a log scale needs a positive domain")
        self.kind = kind
        self.domain = domain
        self.range = range
        self.tickStep = tickStep
    }

    /// A scale whose domain covers `values` and ends on nice ticks (1-2-5 × 10^k; decades for log).
    public static func nice(covering values: [Double], kind: Kind = .linear, range: (Double, Double), tickCount: Int = 5) -> Scale {
        let finite = values.filter { $0.isFinite && (kind == .linear || $0 > 0) }
        guard let lo = finite.min(), let hi = finite.max() else {
            return Scale(kind: kind, domain: kind == .log ? 1...10 : 0...1, range: range)
        }
        switch kind {
        case .linear:
            let nice = NiceTicks.nice(lo, hi, count: tickCount)
            return Scale(kind: .linear, domain: nice.domain, range: range, tickStep: nice.step)
        case .log:
            let a = pow(10, floor(log10(lo))), b = pow(10, ceil(log10(hi)))
            return Scale(kind: .log, domain: a...(b > a ? b : a * 10), range: range)
        }
    }

    /// Pixel position of `value`.
    public func callAsFunction(_ value: Double) -> Double {
        let t: Double
        switch kind {
        case .linear: t = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .log: t = (log10(value) - log10(domain.lowerBound)) / (log10(domain.upperBound) - log10(domain.lowerBound))
        }
        return range.0 + t * (range.1 - range.0)
    }

    /// Tick values inside the domain.
    public func ticks(count: Int = 5) -> [Double] {
        switch kind {
        case .linear: return NiceTicks.linear(domain.lowerBound, domain.upperBound, count: count, step: tickStep)
        case .log: return NiceTicks.log(domain.lowerBound, domain.upperBound)
        }
    }

    /// Tick label text: as many decimals as the tick step needs; decades for log scales.
    public func label(_ value: Double, count: Int = 5) -> String {
        switch kind {
        case .linear: return NiceTicks.label(value, step: tickStep ?? NiceTicks.step(domain.upperBound - domain.lowerBound, count: count))
        case .log: return NiceTicks.logLabel(value)
        }
    }
}
