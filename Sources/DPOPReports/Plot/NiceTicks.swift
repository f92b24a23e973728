import Foundation

/// "Nice" axis ticks: steps of 1, 2 or 5 × 10^k for linear axes, decades (and 2, 5 within one) for log axes.
public enum NiceTicks {
    /// The nice step giving about `count` intervals over `span`.
    public static func step(_ span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        let nice: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// [lo, hi] widened to multiples of a nice step, and that step. Of the 1-2-5 step for about
    /// `count` intervals and the next smaller one, takes the one that pads the data least (0…120 gets
    /// 0…120 by 20, not 0…150 by 50), as long as it makes at most 2·count + 1 ticks.
    public static func nice(_ lo: Double, _ hi: Double, count: Int) -> (domain: ClosedRange<Double>, step: Double) {
        var lo = lo, hi = hi
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let s0 = step(hi - lo, count: count)
        let mantissa = (s0 / pow(10, floor(log10(s0) + 1e-9))).rounded()
        let smaller = s0 * (mantissa == 1 ? 0.5 : mantissa == 2 ? 0.5 : 0.4)
        var best: (domain: ClosedRange<Double>, step: Double)?
        for s in [s0, smaller] {
            let a = clean(floor(lo / s + 1e-9) * s, step: s), b = clean(ceil(hi / s - 1e-9) * s, step: s)
            guard ((b - a) / s).rounded() + 1 <= Double(2 * count + 1) else { continue }
            if best == nil || b - a < best!.domain.upperBound - best!.domain.lowerBound - s * 1e-9 { best = (a...b, s) }
        }
        return best!
    }

    /// The domain of `nice(_:_:count:)`.
    public static func niceDomain(_ lo: Double, _ hi: Double, count: Int) -> ClosedRange<Double> {
        nice(lo, hi, count: count).domain
    }

    /// A multiple of `step` without binary noise (3 × 0.2 is 0.6000000000000001) and without −0.
    static func clean(_ v: Double, step: Double) -> Double {
        let scale = pow(10, Double(max(0, 1 - Int(floor(log10(step))))))
        let r = (v * scale).rounded() / scale
        return r == 0 ? 0 : r
    }

    /// Ticks at multiples of `step` (default: the nice step for about `count` intervals) within [lo, hi].
    public static func linear(_ lo: Double, _ hi: Double, count: Int, step given: Double? = nil) -> [Double] {
        let s = given ?? step(hi - lo, count: count)
        var ticks: [Double] = []
        var k = ceil(lo / s - 1e-9)
        while k * s <= hi + s * 1e-9 {
            // Multiplying (not accumulating) keeps 0.1 + 0.2 drift from piling up; `clean` removes the rest.
            ticks.append(clean(k * s, step: s))
            k += 1
        }
        return ticks
    }

    /// Decades within [lo, hi]; when fewer than three, also 2× and 5× each decade.
    public static func log(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [lo] }
        let first = Int(floor(log10(lo) + 1e-9)), last = Int(ceil(log10(hi) - 1e-9))
        let decades = (first...last).map { pow(10, Double($0)) }.filter { $0 >= lo * (1 - 1e-9) && $0 <= hi * (1 + 1e-9) }
        if decades.count >= 3 { return decades }
        let dense = (first...last).flatMap { e in [1.0, 2, 5].map { $0 * pow(10, Double(e)) } }
        return dense.filter { $0 >= lo * (1 - 1e-9) && $0 <= hi * (1 + 1e-9) }
    }

    /// A linear tick's label with the decimals its step needs ("0.25", "-10", "0").
    public static func label(_ value: Double, step: Double) -> String {
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        return TextFormat.fixed(value, min(decimals, 6))
    }

    /// A log tick's label: "0.1", "1", "10", "1000", then "1e4".
    public static func logLabel(_ value: Double) -> String {
        let e = log10(value)
        if e >= 4.5 || e <= -3.5 { return String(format: "%.0e", value).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e-0", with: "e-") }
        return TextFormat.fixed(value, max(0, -Int(floor(e + 1e-9))))
    }
}
