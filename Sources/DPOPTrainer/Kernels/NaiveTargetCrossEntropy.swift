import Foundation

/// Reference for `TargetCrossEntropy`: every row's logits through `NaiveMatmul`, one scalar log-softmax per target.
public enum NaiveTargetCrossEntropy {
    /// targetLogp[k] = log softmax(inp[row_k] · wteᵀ)[token_k]; seqLogp[s] = Σ_{k of slot s} weight_k · targetLogp[k].
    public static func forward(targetLogp: UnsafeMutablePointer<Float>, seqLogp: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: ScoredTargets, C: Int, V: Int) {
        var logits = [Float](repeating: 0, count: V)
        for s in 0..<targets.slotCount { seqLogp[s] = 0 }
        for k in 0..<targets.count {
            NaiveMatmul.forward(out: &logits, inp: inp + targets.row[k] * C, weight: weight, bias: nil, N: 1, C: C, OC: V)
            let maxv = logits.max()!
            let sum = logits.reduce(Float(0)) { $0 + expf($1 - maxv) }
            targetLogp[k] = logits[Int(targets.token[k])] - maxv - logf(sum)
            seqLogp[targets.slot[k]] += targets.weight[k] * targetLogp[k]
        }
    }

    /// dinp += and dweight += the gradient of Σ_s dseq[s] · seqLogp[s].
    public static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dseq: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: ScoredTargets, C: Int, V: Int) {
        var logits = [Float](repeating: 0, count: V)
        for k in 0..<targets.count {
            let r = targets.row[k]
            NaiveMatmul.forward(out: &logits, inp: inp + r * C, weight: weight, bias: nil, N: 1, C: C, OC: V)
            let maxv = logits.max()!
            let sum = logits.reduce(Float(0)) { $0 + expf($1 - maxv) }
            let g = dseq[targets.slot[k]] * targets.weight[k]
            var dlogits = logits.map { -g * expf($0 - maxv) / sum }
            dlogits[Int(targets.token[k])] += g
            NaiveMatmul.backward(dinp: dinp + r * C, dweight: dweight, dbias: nil, dout: dlogits, inp: inp + r * C,
                                 weight: weight, N: 1, C: C, OC: V)
        }
    }
}
