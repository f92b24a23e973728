/// Causal attention of new positions against a `KVCache`, for incremental decoding (forward only).
///
/// Each new row attends to its own slot's cached positions 0...t (its own key and value written
/// there before this call), so a chunk of several positions of one slot is causal within itself.
/// Rows are few per step (one per sequence) and keys at most T, so plain loops over the cache are
/// cheaper than setting up per-row sgemm calls.
public enum CachedAttention {
    /// out[r, h] = Σ_{t' ≤ t_r} softmax_t'(q[r, h] · k[slot_r, t', h] / √hs) · v[slot_r, t', h].
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (R, C)
        qkv: UnsafePointer<Float>,            // (R, 3C): q, k, v each (NH, hs); only q is read
        keys: (_ slot: Int) -> UnsafePointer<Float>,   // (T, C) of the slot at this layer
        values: (_ slot: Int) -> UnsafePointer<Float>, // (T, C)
        slots: UnsafePointer<Int32>,          // (R)
        positions: UnsafePointer<Int32>,      // (R)
        scores: UnsafeMutablePointer<Float>,  // (maxWorkers, T)
        R: Int, T: Int, C: Int, NH: Int
    ) {
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        Parallel.forChunks(R * NH, minimumPerChunk: 16) { chunk, range in
            let p = scores + chunk * T
            for rh in range {
                let r = rh / NH, h = rh % NH
                let t = Int(positions[r]), slot = Int(slots[r])
                let q = qkv + r * 3 * C + h * hs
                let k = keys(slot) + h * hs, v = values(slot) + h * hs
                var maxv = -Float.infinity
                for t2 in 0...t {
                    let s = VectorReduce.dot(q, k + t2 * C, hs) * scale
                    p[t2] = s
                    maxv = max(maxv, s)
                }
                var sum: Float = 0
                for t2 in 0...t {
                    p[t2] = FastMath.exp(p[t2] - maxv)
                    sum += p[t2]
                }
                let inv = 1 / sum
                let o = out + r * C + h * hs
                o.update(repeating: 0, count: hs)
                for t2 in 0...t {
                    let w = p[t2] * inv
                    let vrow = v + t2 * C
                    for i in 0..<hs { o[i] += w * vrow[i] }
                }
            }
        }
    }
}
