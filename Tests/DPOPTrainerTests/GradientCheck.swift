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

    /// Compares a pair loss's gradients on the chosen and rejected log-probs of every pair of `batch`
    /// with central differences of its value (step `step`, tolerance 1e-6 relative).
    static func expectPairLossGradientsMatch(
        _ config: PreferenceLossConfig, _ batch: [PairLogProbs], step: Double = 1e-6, label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let grads = config.lossAndGradients(batch).grads
        for i in batch.indices {
            for chosen in [true, false] {
                var up = batch, down = batch
                if chosen { up[i].pc += step; down[i].pc -= step } else { up[i].pr += step; down[i].pr -= step }
                let fd = (config.lossAndGradients(up).loss - config.lossAndGradients(down).loss) / (2 * step)
                let analytic = chosen ? grads[i].dpc : grads[i].dpr
                #expect(abs(analytic - fd) <= 1e-6 * max(1, abs(fd)),
                        "\(label): \(chosen ? "dpc" : "dpr")[\(i)] \(analytic) vs finite difference \(fd)",
                        sourceLocation: sourceLocation)
            }
        }
    }
}
