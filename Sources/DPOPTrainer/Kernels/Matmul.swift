import CBLAS

/// Linear layer out = inp · Wᵀ + bias through `cblas_sgemm`; W is stored (OC, C) as in llm.c.
///
/// The products are split over rows into single-threaded sgemm calls run on `Parallel.workers`
/// workers: OpenBLAS's own threads spin between calls and fought the row-parallel kernels for the
/// two cores.
public enum Matmul {
    /// Makes OpenBLAS single-threaded once, before the first product.
    static let singleThreadedBLAS: Void = BLASThreads.set(1)

    /// Row blocks of an N-row backward product: fixed by N, not by the thread count, because
    /// OpenBLAS's result for a row depends on how many rows share its call (measured: a third of the
    /// outputs of a 1024-row product differ in the last bit when it is cut in two), and a cell's
    /// numbers must not depend on `--threads` or `--jobs`. The forward cuts by sequence instead.
    @inline(__always)
    static func rowBlocks(_ N: Int) -> Int { Parallel.blockCount(N, minimumPerBlock: 256) }

    /// out = inp · Wᵀ + bias on the real rows of `rows`, one sgemm call per block of `rows.blocks`,
    /// so a sequence's outputs are the same floats whatever batch it is in; padding rows get the bias
    /// (0 without one), as if their input were zero.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, OC)
        inp: UnsafePointer<Float>,            // (B, T, C)
        weight: UnsafePointer<Float>,         // (OC, C)
        bias: UnsafePointer<Float>?,          // (OC)
        rows: SequenceRows, C: Int, OC: Int
    ) {
        _ = singleThreadedBLAS
        let blocks = rows.blocks
        Parallel.forChunks(blocks.count) { _, owned in
            for block in blocks[owned] {
                let o = out + block.lowerBound * OC
                if let bias {
                    for r in 0..<block.count { (o + r * OC).update(from: bias, count: OC) }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(block.count), Int32(OC), Int32(C),
                            1, inp + block.lowerBound * C, Int32(C), weight, Int32(C), bias == nil ? 0 : 1, o, Int32(OC))
            }
        }
        fillPadding(out, with: bias, rows: rows, OC: OC)
    }

    /// out = inp · Wᵀ + bias for N rows of one sequence.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (N, OC)
        inp: UnsafePointer<Float>,            // (N, C)
        weight: UnsafePointer<Float>,         // (OC, C)
        bias: UnsafePointer<Float>?,          // (OC)
        N: Int, C: Int, OC: Int
    ) {
        forward(out: out, inp: inp, weight: weight, bias: bias, rows: SequenceRows(B: 1, T: N), C: C, OC: OC)
    }

    /// Sets every padding row of `out` to `bias` (0 without one).
    static func fillPadding(_ out: UnsafeMutablePointer<Float>, with bias: UnsafePointer<Float>?, rows: SequenceRows, OC: Int) {
        guard rows.hasPadding else { return }
        for b in 0..<rows.B {
            for r in rows.padding(b) {
                if let bias { (out + r * OC).update(from: bias, count: OC) } else { (out + r * OC).update(repeating: 0, count: OC) }
            }
        }
    }

    /// dinp += dout · W, dweight += doutᵀ · inp, dbias += Σ_rows dout. `ones` holds at least N ones.
    /// With `accumulateInput: false`, dinp is overwritten instead, which spares the caller zeroing it.
    /// With `partials` ((maxWorkers − 1) · (OC·C + OC) floats) and at least 1024 rows, the weight
    /// gradient is split over blocks of the rows N instead of over the outputs OC: each block packs only
    /// its own rows of `inp` and `dout` (split over OC, every worker packed all of `inp`), and the
    /// partial sums are added afterwards in block order.
    public static func backward(
        accumulateInput: Bool = true,
        dinp: UnsafeMutablePointer<Float>,    // (N, C)
        dweight: UnsafeMutablePointer<Float>, // (OC, C)
        dbias: UnsafeMutablePointer<Float>?,  // (OC)
        dout: UnsafePointer<Float>,           // (N, OC)
        inp: UnsafePointer<Float>,            // (N, C)
        weight: UnsafePointer<Float>,         // (OC, C)
        ones: UnsafePointer<Float>,           // (N)
        partials: UnsafeMutablePointer<Float>? = nil, // (maxWorkers - 1, OC·C + OC)
        N: Int, C: Int, OC: Int
    ) {
        _ = singleThreadedBLAS
        Parallel.forBlocks(N, blocks: rowBlocks(N)) { _, rows in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(C), Int32(OC),
                        1, dout + rows.lowerBound * OC, Int32(OC), weight, Int32(C), accumulateInput ? 1 : 0,
                        dinp + rows.lowerBound * C, Int32(C))
        }
        // Over blocks of rows when there are enough rows for two; else over blocks of outputs. Both
        // cuts are fixed by the sizes: OpenBLAS's result for an output row depends on how many output
        // rows share its call, so a cut by the worker count made a preference batch's weight gradient
        // (and the whole run from there) differ in the last bits between --threads 1 and 2.
        let blocks = Parallel.blockCount(N, minimumPerBlock: 512)
        if let partials, blocks > 1 {
            weightGradientOverRows(dweight: dweight, dbias: dbias, dout: dout, inp: inp, ones: ones,
                                   partials: partials, blocks: blocks, N: N, C: C, OC: OC)
            return
        }
        Parallel.forBlocks(OC, blocks: Parallel.blockCount(OC, minimumPerBlock: 16)) { _, outs in
            let o0 = outs.lowerBound
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outs.count), Int32(C), Int32(N),
                        1, dout + o0, Int32(OC), inp, Int32(C), 1, dweight + o0 * C, Int32(C))
            if let dbias {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(N), Int32(outs.count), 1, dout + o0, Int32(OC),
                            ones, 1, 1, dbias + o0, 1)
            }
        }
    }

    /// dweight += doutᵀ · inp and dbias += Σ_rows dout over blocks of rows: block 0 accumulates
    /// straight into dweight/dbias, block b > 0 into partials[b − 1], then a parallel pass over the
    /// outputs adds the partials in block order. The blocks depend on N only, not on the thread
    /// count, so the result is the same floats with any `--threads`.
    private static func weightGradientOverRows(
        dweight: UnsafeMutablePointer<Float>, // (OC, C)
        dbias: UnsafeMutablePointer<Float>?,  // (OC)
        dout: UnsafePointer<Float>,           // (N, OC)
        inp: UnsafePointer<Float>,            // (N, C)
        ones: UnsafePointer<Float>,           // (N)
        partials: UnsafeMutablePointer<Float>, // (maxWorkers - 1, OC·C + OC)
        blocks: Int,
        N: Int, C: Int, OC: Int
    ) {
        let stride = OC * C + OC
        Parallel.forBlocks(N, blocks: blocks) { block, rows in
            let (dw, db, beta): (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, Float) = block == 0
                ? (dweight, dbias, 1)
                : (partials + (block - 1) * stride, dbias == nil ? nil : partials + (block - 1) * stride + OC * C, 0)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(OC), Int32(C), Int32(rows.count),
                        1, dout + rows.lowerBound * OC, Int32(OC), inp + rows.lowerBound * C, Int32(C), beta, dw, Int32(C))
            if let db {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows.count), Int32(OC), 1, dout + rows.lowerBound * OC,
                            Int32(OC), ones, 1, beta, db, 1)
            }
        }
        Parallel.forChunks(OC, minimumPerChunk: 8) { _, outs in
            for b in 1..<blocks {
                let part = partials + (b - 1) * stride
                let from = part + outs.lowerBound * C, to = dweight + outs.lowerBound * C
                for i in 0..<(outs.count * C) { to[i] += from[i] }
                if let dbias {
                    for o in outs { dbias[o] += part[OC * C + o] }
                }
            }
        }
    }
}

/// The reference the BLAS path is tested against: plain loops, same contract as `Matmul`.
public enum NaiveMatmul {
    /// out = inp · Wᵀ + bias on the real rows of `rows`; padding rows get the bias (0 without one).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               rows: SequenceRows, C: Int, OC: Int) {
        for b in 0..<rows.B {
            for t in 0..<rows.T {
                let n = b * rows.T + t
                let real = t < rows.lengths[b]
                for o in 0..<OC {
                    var acc: Float = bias?[o] ?? 0
                    if real {
                        for i in 0..<C { acc += inp[n * C + i] * weight[o * C + i] }
                    }
                    out[n * OC + o] = acc
                }
            }
        }
    }

    /// out = inp · Wᵀ + bias for N rows of one sequence.
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               N: Int, C: Int, OC: Int) {
        forward(out: out, inp: inp, weight: weight, bias: bias, rows: SequenceRows(B: 1, T: N), C: C, OC: OC)
    }

    /// dinp += dout · W, dweight += doutᵀ · inp, dbias += Σ_rows dout.
    public static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
                                dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                N: Int, C: Int, OC: Int) {
        for n in 0..<N {
            for o in 0..<OC {
                let d = dout[n * OC + o]
                for i in 0..<C {
                    dinp[n * C + i] += d * weight[o * C + i]
                    dweight[o * C + i] += d * inp[n * C + i]
                }
                dbias?[o] += d
            }
        }
    }
}

/// Thread count of the BLAS library (OpenBLAS), so parallel grid cells can share the cores.
public enum BLASThreads {
    /// Sets how many threads `cblas_sgemm` uses.
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    /// Threads `cblas_sgemm` currently uses.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
