import Foundation

/// Reference causal attention in plain loops; `Attention` (the sgemm path) is tested against it.
public enum NaiveAttention {
    /// For each (b, h): att = softmax(q kᵀ / √hs) with the causal mask, out = att · v, on each
    /// sequence's real positions; padding rows of `out` are 0. Only the lower triangle of `att` is
    /// written and read.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, C)
        att: UnsafeMutablePointer<Float>,     // (B, NH, T, T)
        qkv: UnsafePointer<Float>,            // (B, T, 3C): q, k, v each (NH, hs)
        rows: SequenceRows, C: Int, NH: Int
    ) {
        let B = rows.B, T = rows.T
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forChunks(B * NH * T) { _, range in
            for index in range {
                let t = index % T
                let h = (index / T) % NH
                let b = index / (T * NH)
                if t >= rows.lengths[b] {
                    (out + b * T * C + t * C + h * hs).update(repeating: 0, count: hs)
                    continue
                }
                let q = qkv + b * T * C3 + t * C3 + h * hs
                let row = att + ((b * NH + h) * T + t) * T
                var maxv = -Float.greatestFiniteMagnitude
                for t2 in 0...t {
                    let k = qkv + b * T * C3 + t2 * C3 + C + h * hs
                    var dot: Float = 0
                    for i in 0..<hs { dot += q[i] * k[i] }
                    dot *= scale
                    row[t2] = dot
                    if dot > maxv { maxv = dot }
                }
                var sum: Float = 0
                for t2 in 0...t {
                    let e = FastMath.exp(row[t2] - maxv)
                    row[t2] = e
                    sum += e
                }
                let inv = 1 / sum
                for t2 in 0...t { row[t2] *= inv }
                let o = out + b * T * C + t * C + h * hs
                for i in 0..<hs { o[i] = 0 }
                for t2 in 0...t {
                    let v = qkv + b * T * C3 + t2 * C3 + 2 * C + h * hs
                    let a = row[t2]
                    for i in 0..<hs { o[i] += a * v[i] }
                }
            }
        }
    }

    /// B sequences of T positions each, none padded.
    public static func forward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
                               B: Int, T: Int, C: Int, NH: Int) {
        forward(out: out, att: att, qkv: qkv, rows: SequenceRows(B: B, T: T), C: C, NH: NH)
    }

    /// Accumulates dqkv from dout over each sequence's real positions. `scratch` holds maxWorkers × T floats for the rows of datt.
    /// Parallel over (b, h): every (b, h) writes a disjoint slice of dqkv.
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>,    // (B, T, 3C)
        dout: UnsafePointer<Float>,           // (B, T, C)
        qkv: UnsafePointer<Float>,            // (B, T, 3C)
        att: UnsafePointer<Float>,            // (B, NH, T, T)
        scratch: UnsafeMutablePointer<Float>, // (maxWorkers, T)
        rows: SequenceRows, C: Int, NH: Int
    ) {
        let B = rows.B, T = rows.T
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forChunks(B * NH) { chunk, range in
            let datt = scratch + chunk * T
            for bh in range {
                let h = bh % NH
                let b = bh / NH
                let base = b * T * C3 + h * hs
                for t in 0..<rows.lengths[b] {
                    let row = att + (bh * T + t) * T
                    let d = dout + b * T * C + t * C + h * hs
                    // datt[t2] = dout_t · v_t2 ; dv_t2 += att[t,t2] · dout_t
                    var dot: Float = 0
                    for t2 in 0...t {
                        let v = qkv + base + t2 * C3 + 2 * C
                        let dv = dqkv + base + t2 * C3 + 2 * C
                        let a = row[t2]
                        var s: Float = 0
                        for i in 0..<hs {
                            s += d[i] * v[i]
                            dv[i] += a * d[i]
                        }
                        datt[t2] = s
                        dot += a * s
                    }
                    // softmax backward, then through the scaled q·k product
                    let q = qkv + base + t * C3
                    let dq = dqkv + base + t * C3
                    for t2 in 0...t {
                        let dpre = row[t2] * (datt[t2] - dot) * scale
                        let k = qkv + base + t2 * C3 + C
                        let dk = dqkv + base + t2 * C3 + C
                        for i in 0..<hs {
                            dq[i] += dpre * k[i]
                            dk[i] += dpre * q[i]
                        }
                    }
                }
            }
        }
    }

    /// B sequences of T positions each, none padded.
    public static func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                                att: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>, B: Int, T: Int, C: Int, NH: Int) {
        backward(dqkv: dqkv, dout: dout, qkv: qkv, att: att, scratch: scratch, rows: SequenceRows(B: B, T: T), C: C, NH: NH)
    }
}
