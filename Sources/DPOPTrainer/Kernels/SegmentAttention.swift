import CBLAS

/// Multi-head self-attention over rows of segments (`RowLayout`): a query at position i of segment s
/// attends to s.parent ∪ (s.start...i), each segment's scores through two sgemm blocks.
///
/// Per (b, h, segment) the scores are (m, P) products against the parent's keys and causal tiles against
/// the segment's own keys (`tileRows` rows, each up to its last row's key); the blocks between two sibling
/// tails, which the mask hides, and the tiles above the diagonal are never computed nor back-propagated. `att` keeps the (T, T) layout of `Attention` with
/// each row's probabilities at their key columns (parent range and own range); other columns are not
/// written. A row's floats depend only on its own segments (the products are cut by segment), so they
/// do not depend on the batch's T nor on the other rows. `NaiveSegmentAttention` is the reference.
public enum SegmentAttention {
    /// Rows of one causal tile of a segment: tile k (rows 32k..<32k + 32 of the segment, counted from its
    /// start, so a row's products depend on its own segment only) scores its segment's keys up to its last
    /// row, so about half of the blocks above the diagonal are never computed.
    public static let tileRows = 32

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
                    let pp = p + s.start * T // rows of this segment; parent columns at s.parent, own at s.start...
                    let kParent = base + s.parent.lowerBound * C3 + C, vParent = kParent + C
                    let kOwn = base + s.start * C3 + C, vOwn = kOwn + C
                    // Causal tiles of the segment's rows: tile [i0, i1) scores keys 0..<i1 of its own only.
                    var i0 = 0
                    while i0 < m {
                        let i1 = min(m, i0 + tileRows), r = i1 - i0
                        let q = base + (s.start + i0) * C3, pt = pp + i0 * T
                        if P > 0 {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r), Int32(P), Int32(hs),
                                        scale, q, Int32(C3), kParent, Int32(C3), 0, pt + s.parent.lowerBound, Int32(T))
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r), Int32(i1), Int32(hs),
                                    scale, q, Int32(C3), kOwn, Int32(C3), 0, pt + s.start, Int32(T))
                        for i in i0..<i1 {
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
                            for j in (i + 1)..<i1 { own[j] = 0 }
                        }
                        let os = o + (s.start + i0) * C
                        if P > 0 {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r), Int32(hs), Int32(P),
                                        1, pt + s.parent.lowerBound, Int32(T), vParent, Int32(C3), 0, os, Int32(C))
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r), Int32(hs), Int32(i1),
                                    1, pt + s.start, Int32(T), vOwn, Int32(C3), P > 0 ? 1 : 0, os, Int32(C))
                        i0 = i1
                    }
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
                    let pp = p + s.start * T, dps = dp + s.start * T
                    let kParent = base + a * C3 + C, vParent = kParent + C
                    let kOwn = base + s.start * C3 + C, vOwn = kOwn + C
                    let dkParent = dbase + a * C3 + C, dvParent = dkParent + C
                    let dkOwn = dbase + s.start * C3 + C, dvOwn = dkOwn + C
                    // The forward's causal tiles: tile [i0, i1) reaches keys 0..<i1 of its own only.
                    var i0 = 0
                    while i0 < m {
                        let i1 = min(m, i0 + tileRows), r = i1 - i0
                        let q = base + (s.start + i0) * C3, d = dbh + (s.start + i0) * C
                        let dq = dbase + (s.start + i0) * C3
                        let pt = pp + i0 * T, dpt = dps + i0 * T
                        // dP = dout · vᵀ on both blocks ; dv += Pᵀ · dout
                        if P > 0 {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r), Int32(P), Int32(hs),
                                        1, d, Int32(C), vParent, Int32(C3), 0, dpt + a, Int32(T))
                            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(P), Int32(hs), Int32(r),
                                        1, pt + a, Int32(T), d, Int32(C), 1, dvParent, Int32(C3))
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r), Int32(i1), Int32(hs),
                                    1, d, Int32(C), vOwn, Int32(C3), 0, dpt + s.start, Int32(T))
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(i1), Int32(hs), Int32(r),
                                    1, pt + s.start, Int32(T), d, Int32(C), 1, dvOwn, Int32(C3))
                        // softmax backward over the visible columns (the tile's own block is 0 above the diagonal)
                        for i in i0..<i1 {
                            let prow = pp + i * T, drow = dps + i * T
                            var dot = VectorReduce.dot(prow + s.start, drow + s.start, i + 1)
                            if P > 0 { dot += VectorReduce.dot(prow + a, drow + a, P) }
                            for j in a..<(a + P) { drow[j] = prow[j] * (drow[j] - dot) * scale }
                            for j in s.start..<(s.start + i1) { drow[j] = prow[j] * (drow[j] - dot) * scale }
                        }
                        // dq += dS · k ; dk += dSᵀ · q, per block
                        if P > 0 {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r), Int32(hs), Int32(P),
                                        1, dpt + a, Int32(T), kParent, Int32(C3), 1, dq, Int32(C3))
                            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(P), Int32(hs), Int32(r),
                                        1, dpt + a, Int32(T), q, Int32(C3), 1, dkParent, Int32(C3))
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r), Int32(hs), Int32(i1),
                                    1, dpt + s.start, Int32(T), kOwn, Int32(C3), 1, dq, Int32(C3))
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(i1), Int32(hs), Int32(r),
                                    1, dpt + s.start, Int32(T), q, Int32(C3), 1, dkOwn, Int32(C3))
                        i0 = i1
                    }
                }
            }
        }
    }
}
