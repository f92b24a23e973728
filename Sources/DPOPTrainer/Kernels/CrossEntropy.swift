import Foundation

/// Softmax with masked target log-probs: per-token log p(target), per-sequence sums, mean cross-entropy.
public enum CrossEntropy {
    /// For rows with mask ≠ 0: probs = softmax(logits), tokenLogp = log p(target); masked rows get 0
    /// and skip the softmax. seqLogp[b] = Σ_t mask · tokenLogp.
    public static func forward(
        probs: UnsafeMutablePointer<Float>,     // (B, T, V)
        tokenLogp: UnsafeMutablePointer<Float>, // (B, T)
        seqLogp: UnsafeMutablePointer<Float>,   // (B)
        logits: UnsafePointer<Float>,           // (B, T, V)
        targets: UnsafePointer<Int32>,          // (B, T)
        mask: UnsafePointer<Float>,             // (B, T)
        B: Int, T: Int, V: Int
    ) {
        Parallel.forChunks(B * T, minimumPerChunk: 16) { _, rows in
            for row in rows {
                let m = mask[row]
                if m == 0 {
                    tokenLogp[row] = 0
                    continue
                }
                let l = logits + row * V
                let p = probs + row * V
                let maxv = VectorReduce.max(l, V)
                for v in 0..<V { p[v] = FastMath.exp(l[v] - maxv) }
                let sum = VectorReduce.sum(p, V)
                let inv = 1 / sum
                for v in 0..<V { p[v] *= inv }
                tokenLogp[row] = l[Int(targets[row])] - maxv - logf(sum)
            }
        }
        for b in 0..<B {
            var s: Float = 0
            for t in 0..<T { s += mask[b * T + t] * tokenLogp[b * T + t] }
            seqLogp[b] = s
        }
    }

    /// dlogits += dseq[b] · mask · (onehot(target) − probs): the gradient of Σ_b dseq[b] · seqLogp[b].
    /// With `accumulate: false` dlogits is overwritten (masked rows become 0).
    public static func backward(
        accumulate: Bool = true,
        dlogits: UnsafeMutablePointer<Float>,   // (B, T, V)
        dseq: UnsafePointer<Float>,             // (B)
        probs: UnsafePointer<Float>,            // (B, T, V)
        targets: UnsafePointer<Int32>,          // (B, T)
        mask: UnsafePointer<Float>,             // (B, T)
        B: Int, T: Int, V: Int
    ) {
        Parallel.forChunks(B * T, minimumPerChunk: 16) { _, rows in
            for row in rows {
                let g = dseq[row / T] * mask[row]
                let d = dlogits + row * V
                if g == 0 {
                    if !accumulate { d.update(repeating: 0, count: V) }
                    continue
                }
                let p = probs + row * V
                if accumulate {
                    for v in 0..<V { d[v] -= g * p[v] }
                } else {
                    for v in 0..<V { d[v] = -g * p[v] }
                }
                d[Int(targets[row])] += g
            }
        }
    }
}
