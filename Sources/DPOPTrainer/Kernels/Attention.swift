import CBLAS

/// Causal multi-head self-attention over a packed qkv tensor, each head's products through sgemm.
///
/// The full T×T score matrix is computed and the upper triangle zeroed after the softmax: twice the
/// necessary multiply-adds, but in BLAS, which was five times faster than the scalar loops of
/// `NaiveAttention` (whose dot-product reductions the compiler may not vectorise).
public enum Attention {
    /// For each (b, h): att = softmax(q kᵀ / √hs) with the causal mask (upper triangle 0), out = att · v,
    /// over the sequence's own length n = rows.lengths[b]: the products are n×n, so its floats do not
    /// depend on the batch's T. Only the n×n corner of each T×T `att` block is written; padding rows
    /// of `out` are 0.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, C)
        att: UnsafeMutablePointer<Float>,     // (B, NH, T, T)
        qkv: UnsafePointer<Float>,            // (B, T, 3C): q, k, v each (NH, hs)
        rows: SequenceRows, C: Int, NH: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        let B = rows.B, T = rows.T
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forChunks(B * NH) { _, range in
            for bh in range {
                let h = bh % NH, b = bh / NH
                let n = rows.lengths[b]
                let o = out + b * T * C + h * hs
                for t in n..<T { (o + t * C).update(repeating: 0, count: hs) }
                if n == 0 { continue }
                let q = qkv + b * T * C3 + h * hs
                let k = q + C, v = q + 2 * C
                let p = att + bh * T * T
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(hs),
                            scale, q, Int32(C3), k, Int32(C3), 0, p, Int32(T))
                for t in 0..<n {
                    let row = p + t * T
                    let maxv = VectorReduce.max(row, t + 1)
                    for t2 in 0...t { row[t2] = FastMath.exp(row[t2] - maxv) }
                    let inv = 1 / VectorReduce.sum(row, t + 1)
                    for t2 in 0...t { row[t2] *= inv }
                    for t2 in (t + 1)..<n { row[t2] = 0 }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(hs), Int32(n),
                            1, p, Int32(T), v, Int32(C3), 0, o, Int32(C))
            }
        }
    }

    /// B sequences of T positions each, none padded.
    public static func forward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
                               B: Int, T: Int, C: Int, NH: Int) {
        forward(out: out, att: att, qkv: qkv, rows: SequenceRows(B: B, T: T), C: C, NH: NH)
    }

    /// Accumulates dqkv from dout (overwrites it with `accumulate: false`, padding rows then 0).
    /// `scratch` holds maxWorkers × T·T floats for dP. Parallel over (b, h): every (b, h) writes a
    /// disjoint slice of dqkv. Each sequence's products are n×n as in the forward.
    public static func backward(
        accumulate: Bool = true,
        dqkv: UnsafeMutablePointer<Float>,    // (B, T, 3C)
        dout: UnsafePointer<Float>,           // (B, T, C)
        qkv: UnsafePointer<Float>,            // (B, T, 3C)
        att: UnsafePointer<Float>,            // (B, NH, T, T)
        scratch: UnsafeMutablePointer<Float>, // (maxWorkers, T, T)
        rows: SequenceRows, C: Int, NH: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        let B = rows.B, T = rows.T
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        let beta: Float = accumulate ? 1 : 0
        Parallel.forChunks(B * NH) { chunk, range in
            let dp = scratch + chunk * T * T
            for bh in range {
                let h = bh % NH, b = bh / NH
                let n = rows.lengths[b]
                let q = qkv + b * T * C3 + h * hs
                let k = q + C, v = q + 2 * C
                let dq = dqkv + b * T * C3 + h * hs
                let dk = dq + C, dv = dq + 2 * C
                if !accumulate {
                    for t in n..<T {
                        let row = dq + t * C3
                        row.update(repeating: 0, count: hs)
                        (row + C).update(repeating: 0, count: hs)
                        (row + 2 * C).update(repeating: 0, count: hs)
                    }
                }
                if n == 0 { continue }
                let d = dout + b * T * C + h * hs
                let p = att + bh * T * T
                // dP = dout · vᵀ ; dv += Pᵀ · dout
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(hs),
                            1, d, Int32(C), v, Int32(C3), 0, dp, Int32(n))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(hs), Int32(n),
                            1, p, Int32(T), d, Int32(C), beta, dv, Int32(C3))
                // softmax backward (P is 0 above the diagonal, so dS is too), times the q·k scale
                for t in 0..<n {
                    let prow = p + t * T, drow = dp + t * n
                    let dot = VectorReduce.dot(prow, drow, t + 1)
                    for t2 in 0..<n { drow[t2] = prow[t2] * (drow[t2] - dot) * scale }
                }
                // dq += dS · k ; dk += dSᵀ · q
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(hs), Int32(n),
                            1, dp, Int32(n), k, Int32(C3), beta, dq, Int32(C3))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(hs), Int32(n),
                            1, dp, Int32(n), q, Int32(C3), beta, dk, Int32(C3))
            }
        }
    }

    /// B sequences of T positions each, none padded.
    public static func backward(accumulate: Bool = true, dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, att: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                B: Int, T: Int, C: Int, NH: Int) {
        backward(accumulate: accumulate, dqkv: dqkv, dout: dout, qkv: qkv, att: att, scratch: scratch,
                 rows: SequenceRows(B: B, T: T), C: C, NH: NH)
    }
}
