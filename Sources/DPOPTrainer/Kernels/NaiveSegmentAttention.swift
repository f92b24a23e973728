/// Reference segment attention in plain loops; `SegmentAttention` (the sgemm path) is tested against it.
public enum NaiveSegmentAttention {
    /// The key positions query `t` of row `segments` sees: its segment's parent, then its segment up to t.
    static func visible(_ segments: [RowLayout.Segment], _ t: Int) -> [Int] {
        let s = segments.first { $0.start <= t && t < $0.end }!
        return Array(s.parent) + Array(s.start...t)
    }

    /// For each (b, h, t): att[t, j] = softmax_j(q_t · k_j / √hs) over the visible j, out_t = Σ_j att[t, j] v_j;
    /// padding rows of `out` are 0. Only the visible columns of `att` are written.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, C)
        att: UnsafeMutablePointer<Float>,     // (B, NH, T, T)
        qkv: UnsafePointer<Float>,            // (B, T, 3C)
        segments: [[RowLayout.Segment]], rows: SequenceRows, C: Int, NH: Int
    ) {
        let B = rows.B, T = rows.T
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    let o = out + b * T * C + t * C + h * hs
                    for i in 0..<hs { o[i] = 0 }
                    if t >= rows.lengths[b] { continue }
                    let q = qkv + b * T * C3 + t * C3 + h * hs
                    let row = att + ((b * NH + h) * T + t) * T
                    let keys = visible(segments[b], t)
                    var maxv = -Float.greatestFiniteMagnitude
                    for j in keys {
                        let k = qkv + b * T * C3 + j * C3 + C + h * hs
                        var dot: Float = 0
                        for i in 0..<hs { dot += q[i] * k[i] }
                        row[j] = dot * scale
                        maxv = max(maxv, row[j])
                    }
                    var sum: Float = 0
                    for j in keys {
                        row[j] = FastMath.exp(row[j] - maxv)
                        sum += row[j]
                    }
                    for j in keys { row[j] /= sum }
                    for j in keys {
                        let v = qkv + b * T * C3 + j * C3 + 2 * C + h * hs
                        for i in 0..<hs { o[i] += row[j] * v[i] }
                    }
                }
            }
        }
    }

    /// Accumulates dqkv from dout over each row's real positions.
    public static func backward(
        dqkv: UnsafeMutablePointer<Float>,    // (B, T, 3C)
        dout: UnsafePointer<Float>,           // (B, T, C)
        qkv: UnsafePointer<Float>,            // (B, T, 3C)
        att: UnsafePointer<Float>,            // (B, NH, T, T)
        segments: [[RowLayout.Segment]], rows: SequenceRows, C: Int, NH: Int
    ) {
        let B = rows.B, T = rows.T
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        var datt = [Float](repeating: 0, count: T)
        for b in 0..<B {
            for h in 0..<NH {
                let base = b * T * C3 + h * hs
                for t in 0..<rows.lengths[b] {
                    let row = att + ((b * NH + h) * T + t) * T
                    let d = dout + b * T * C + t * C + h * hs
                    let keys = visible(segments[b], t)
                    var dot: Float = 0
                    for j in keys {
                        let v = qkv + base + j * C3 + 2 * C, dv = dqkv + base + j * C3 + 2 * C
                        var s: Float = 0
                        for i in 0..<hs {
                            s += d[i] * v[i]
                            dv[i] += row[j] * d[i]
                        }
                        datt[j] = s
                        dot += row[j] * s
                    }
                    let q = qkv + base + t * C3, dq = dqkv + base + t * C3
                    for j in keys {
                        let dpre = row[j] * (datt[j] - dot) * scale
                        let k = qkv + base + j * C3 + C, dk = dqkv + base + j * C3 + C
                        for i in 0..<hs {
                            dq[i] += dpre * k[i]
                            dk[i] += dpre * q[i]
                        }
                    }
                }
            }
        }
    }
}
