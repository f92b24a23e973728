import CBLAS

/// Multi-head self-attention over rows of segments (`RowLayout`): a query at position i of segment s
/// attends to s.parent ∪ (s.start...i), each segment's scores through two sgemm blocks.
///
/// Per (b, h, segment) the scores are one (m, P) product against the parent's keys and one (m, m)
/// causal block against the segment's own keys; the blocks between two sibling tails, which the mask
/// hides, are never computed nor back-propagated. `att` keeps the (T, T) layout of `Attention` with
/// each row's probabilities at their key columns (parent range and own range); other columns are not
/// written. A row's floats depend only on its own segments (the products are cut by segment), so they
/// do not depend on the batch's T nor on the other rows. `NaiveSegmentAttention` is the reference.
public enum SegmentAttention {
    /// For each (b, h) and segment s of row b: att[i, parent ∪ s.start...i] = softmax(q_i kᵀ / √hs),
    /// out_i = att_i · v. Padding rows (t ≥ rows.lengths[b]) of `out` are 0. `segments[b]` must cover
    /// 0..<rows.lengths[b] in order, each parent ending before its segment starts.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, C)
        att: UnsafeMutablePointer<Float>,     // (B, NH, T, T)
        qkv: UnsafePointer<Float>,            // (B, T, 3C): q, k, v each (NH, hs)
        segments: [[RowLayout.Segment]], rows: SequenceRows, C: Int, NH: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        let B = rows.B, T = rows.T
        precondition(segments.count == B, "\(segments.count) segment lists for \(B) rows")
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forChunks(B * NH) { _, range in
            for bh in range {
                let h = bh % NH, b = bh / NH
                let n = rows.lengths[b]
                let base = qkv + b * T * C3 + h * hs
                let o = out + b * T * C + h * hs
                for t in n..<T { (o + t * C).update(repeating: 0, count: hs) }
                let p = att + bh * T * T
                for s in segments[b] {
                    let m = s.end - s.start, P = s.parent.count
                    if m == 0 { continue }
                    let q = base + s.start * C3
                    let pp = p + s.start * T // rows of this segment; parent columns at s.parent, own at s.start...
                    if P > 0 {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(P), Int32(hs),
                                    scale, q, Int32(C3), base + s.parent.lowerBound * C3 + C, Int32(C3),
                                    0, pp + s.parent.lowerBound, Int32(T))
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(m), Int32(hs),
                                scale, q, Int32(C3), base + s.start * C3 + C, Int32(C3), 0, pp + s.start, Int32(T))
                    for i in 0..<m {
                        let parent = pp + i * T + s.parent.lowerBound
                        let own = pp + i * T + s.start
                        var maxv = VectorReduce.max(own, i + 1)
                        if P > 0 { maxv = max(maxv, VectorReduce.max(parent, P)) }
                        for j in 0..<P { parent[j] = FastMath.exp(parent[j] - maxv) }
                        for j in 0...i { own[j] = FastMath.exp(own[j] - maxv) }
                        let sum = (P > 0 ? VectorReduce.sum(parent, P) : 0) + VectorReduce.sum(own, i + 1)
                        let inv = 1 / sum
                        for j in 0..<P { parent[j] *= inv }
                        for j in 0...i { own[j] *= inv }
                        for j in (i + 1)..<m { own[j] = 0 }
                    }
                    let os = o + s.start * C
                    if P > 0 {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(hs), Int32(P),
                                    1, pp + s.parent.lowerBound, Int32(T), base + s.parent.lowerBound * C3 + 2 * C, Int32(C3),
                                    0, os, Int32(C))
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(hs), Int32(m),
                                1, pp + s.start, Int32(T), base + s.start * C3 + 2 * C, Int32(C3),
                                P > 0 ? 1 : 0, os, Int32(C))
                }
            }
        }
    }

    /// Accumulates dqkv from dout (overwrites it with `accumulate: false`, padding rows then 0).
    /// `scratch` holds maxWorkers × T·T floats for dP. Parallel over (b, h): every (b, h) writes a
    /// disjoint slice of dqkv, and its segments run in order, so the parent keys' gradients add the
    /// segments' contributions in a fixed order.
    public static func backward(
        accumulate: Bool = true,
        dqkv: UnsafeMutablePointer<Float>,    // (B, T, 3C)
        dout: UnsafePointer<Float>,           // (B, T, C)
        qkv: UnsafePointer<Float>,            // (B, T, 3C)
        att: UnsafePointer<Float>,            // (B, NH, T, T)
        scratch: UnsafeMutablePointer<Float>, // (maxWorkers, T, T)
        segments: [[RowLayout.Segment]], rows: SequenceRows, C: Int, NH: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        let B = rows.B, T = rows.T
        let hs = C / NH
        let scale = 1 / Float(hs).squareRoot()
        let C3 = 3 * C
        Parallel.forChunks(B * NH) { chunk, range in
            let dp = scratch + chunk * T * T
            for bh in range {
                let h = bh % NH, b = bh / NH
                let base = qkv + b * T * C3 + h * hs
                let dbase = dqkv + b * T * C3 + h * hs
                if !accumulate {
                    for t in 0..<T {
                        let row = dbase + t * C3
                        row.update(repeating: 0, count: hs)
                        (row + C).update(repeating: 0, count: hs)
                        (row + 2 * C).update(repeating: 0, count: hs)
                    }
                }
                let p = att + bh * T * T
                let dbh = dout + b * T * C + h * hs
                for s in segments[b] {
                    let m = s.end - s.start, P = s.parent.count, a = s.parent.lowerBound
                    if m == 0 { continue }
                    let q = base + s.start * C3, d = dbh + s.start * C
                    let pp = p + s.start * T, dps = dp + s.start * T
                    // dP = dout · vᵀ on both blocks ; dv += Pᵀ · dout
                    if P > 0 {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(P), Int32(hs),
                                    1, d, Int32(C), base + a * C3 + 2 * C, Int32(C3), 0, dps + a, Int32(T))
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(P), Int32(hs), Int32(m),
                                    1, pp + a, Int32(T), d, Int32(C), 1, dbase + a * C3 + 2 * C, Int32(C3))
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(m), Int32(hs),
                                1, d, Int32(C), base + s.start * C3 + 2 * C, Int32(C3), 0, dps + s.start, Int32(T))
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(hs), Int32(m),
                                1, pp + s.start, Int32(T), d, Int32(C), 1, dbase + s.start * C3 + 2 * C, Int32(C3))
                    // softmax backward over the visible columns (the own block is 0 above the diagonal)
                    for i in 0..<m {
                        let prow = pp + i * T, drow = dps + i * T
                        var dot = VectorReduce.dot(prow + s.start, drow + s.start, i + 1)
                        if P > 0 { dot += VectorReduce.dot(prow + a, drow + a, P) }
                        for j in a..<(a + P) { drow[j] = prow[j] * (drow[j] - dot) * scale }
                        for j in s.start..<s.end { drow[j] = prow[j] * (drow[j] - dot) * scale }
                    }
                    // dq += dS · k ; dk += dSᵀ · q, per block
                    let dq = dbase + s.start * C3
                    if P > 0 {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(hs), Int32(P),
                                    1, dps + a, Int32(T), base + a * C3 + C, Int32(C3), 1, dq, Int32(C3))
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(P), Int32(hs), Int32(m),
                                    1, dps + a, Int32(T), q, Int32(C3), 1, dbase + a * C3 + C, Int32(C3))
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(hs), Int32(m),
                                1, dps + s.start, Int32(T), base + s.start * C3 + C, Int32(C3), 1, dq, Int32(C3))
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(hs), Int32(m),
                                1, dps + s.start, Int32(T), q, Int32(C3), 1, dbase + s.start * C3 + C, Int32(C3))
                }
            }
        }
    }
}
