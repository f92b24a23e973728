import CBLAS

/// Causal multi-head self-attention over a packed qkv tensor, each head's products through sgemm.
///
/// The full T×T score matrix is computed and the upper triangle zeroed after the softmax: twice the
/// necessary multiply-adds, but in BLAS, which was five times faster than the scalar loops of
/// `NaiveAttention` (whose dot-product reductions the compiler may not vectorise).
public enum Attention {
    /// For each (b, h): att = softmax(q kᵀ / √hs) with the causal mask (upper triangle 0), out = att · v.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, C)
        att: UnsafeMutablePointer<Float>,     // (B, NH, T, T)
        qkv: UnsafePointer<Float>,            // (B, T, 3C): q, k, v each (NH, hs)
        B: Int, T: Int, C: Int, NH: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forChunks(B * NH) { _, range in
            for bh in range {
                let h = bh % NH, b = bh / NH
                let q = qkv + b * T * C3 + h * hs
                let k = q + C, v = q + 2 * C
                let p = att + bh * T * T
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                            scale, q, Int32(C3), k, Int32(C3), 0, p, Int32(T))
                for t in 0..<T {
                    let row = p + t * T
                    let maxv = VectorReduce.max(row, t + 1)
                    for t2 in 0...t { row[t2] = FastMath.exp(row[t2] - maxv) }
                    let inv = 1 / VectorReduce.sum(row, t + 1)
                    for t2 in 0...t { row[t2] *= inv }
                    for t2 in (t + 1)..<T { row[t2] = 0 }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                            1, p, Int32(T), v, Int32(C3), 0, out + b * T * C + h * hs, Int32(C))
            }
        }
    }

    /// Accumulates dqkv from dout (overwrites it with `accumulate: false`). `scratch` holds
    /// maxWorkers × T·T floats for dP. Parallel over (b, h): every (b, h) writes a disjoint slice of dqkv.
    public static func backward(
        accumulate: Bool = true,
        dqkv: UnsafeMutablePointer<Float>,    // (B, T, 3C)
        dout: UnsafePointer<Float>,           // (B, T, C)
        qkv: UnsafePointer<Float>,            // (B, T, 3C)
        att: UnsafePointer<Float>,            // (B, NH, T, T)
        scratch: UnsafeMutablePointer<Float>, // (maxWorkers, T, T)
        B: Int, T: Int, C: Int, NH: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        let beta: Float = accumulate ? 1 : 0
        Parallel.forChunks(B * NH) { chunk, range in
            let dp = scratch + chunk * T * T
            for bh in range {
                let h = bh % NH, b = bh / NH
                let q = qkv + b * T * C3 + h * hs
                let k = q + C, v = q + 2 * C
                let dq = dqkv + b * T * C3 + h * hs
                let dk = dq + C, dv = dq + 2 * C
                let d = dout + b * T * C + h * hs
                let p = att + bh * T * T
                // dP = dout · vᵀ ; dv += Pᵀ · dout
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hs),
                            1, d, Int32(C), v, Int32(C3), 0, dp, Int32(T))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                            1, p, Int32(T), d, Int32(C), beta, dv, Int32(C3))
                // softmax backward (P is 0 above the diagonal, so dS is too), times the q·k scale
                for t in 0..<T {
                    let prow = p + t * T, drow = dp + t * T
                    let dot = VectorReduce.dot(prow, drow, t + 1)
                    for t2 in 0..<T { drow[t2] = prow[t2] * (drow[t2] - dot) * scale }
                }
                // dq += dS · k ; dk += dSᵀ · q
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                            1, dp, Int32(T), k, Int32(C3), beta, dq, Int32(C3))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hs), Int32(T),
                            1, dp, Int32(T), q, Int32(C3), beta, dk, Int32(C3))
            }
        }
    }
}
