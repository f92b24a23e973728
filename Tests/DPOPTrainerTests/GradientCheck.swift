import Testing
@testable import DPOPTrainer

/// Helpers for checking hand-written backward passes against central finite differences.
enum GradientCheck {
    /// Seeded uniform values in [-scale, scale].
    static func random(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Float(rng.nextUnitDouble() * 2 - 1) * scale }
    }

    /// Σ a·b in Double: the scalar whose gradient w.r.t. `a` is `b` (the `Σ out·dout` trick).
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Compares `analytic` with central differences of `f` over every index of `x` (or `indices`).
    /// Tolerance: |a − n| ≤ atol + rtol·max(|a|, |n|).
    static func expectMatches(
        _ x: inout [Float], analytic: [Float], indices: [Int]? = nil, h: Float = 1e-2,
        atol: Double = 2e-3, rtol: Double = 2e-2, label: String,
        sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Float]) -> Double
    ) {
        var worst = 0.0
        var failures = 0
        for i in indices ?? Array(x.indices) {
            let saved = x[i]
            x[i] = saved + h
            let plus = f(x)
            x[i] = saved - h
            let minus = f(x)
            x[i] = saved
            let numeric = (plus - minus) / Double(2 * h)
            let a = Double(analytic[i])
            let err = abs(a - numeric)
            let allowed = atol + rtol * max(abs(a), abs(numeric))
            worst = max(worst, err / allowed)
            if err > allowed {
                failures += 1
                if failures <= 3 {
                    Issue.record("\(label)[\(i)]: analytic \(a) vs numeric \(numeric)", sourceLocation: sourceLocation)
                }
            }
        }
        #expect(failures == 0, "\(label): \(failures) mismatches, worst error/allowed \(worst)", sourceLocation: sourceLocation)
    }
}
