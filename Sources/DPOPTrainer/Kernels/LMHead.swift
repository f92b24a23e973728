import CBLAS
import Foundation

/// The output layer of a large vocabulary: logits = inp · wteᵀ, log-softmax and the target log-probs,
/// computed in chunks of scored rows so that no (B, T, V) tensor is ever allocated.
///
/// Only rows that some target is scored on reach the vocabulary product: prompt rows and padding
/// skip it, its softmax and their backward. Nothing of size V per row is kept between forward and
/// backward: the backward recomputes each chunk's logits (one more (rows, C)·(C, V) product, cheaper
/// than holding (B, T, V) floats three times, and still fewer products than the whole-batch head
/// when most rows are prompt). `CrossEntropy` after a whole-batch `Matmul` is the reference it is tested against.
public enum LMHead {
    /// Rows of one chunk for a vocabulary of `V`: about 2²¹ floats (8 MiB) of logits per worker.
    public static func chunkRows(V: Int) -> Int { max(1, min(SequenceRows.blockRows, (1 << 21) / max(1, V))) }

    /// Floats of the per-worker logit buffers the kernels need for a vocabulary of `V`.
    public static func bufferFloats(V: Int) -> Int { Parallel.maxWorkers * chunkRows(V: V) * V }

    /// The row ranges the head runs on: for each sequence, from its first to its last scored row
    /// (mask ≠ 0, within its real length), cut into pieces of `chunkRows` counted from that first row,
    /// so a chunk, and so its floats, depend on its own sequence only.
    /// `rows` (at most `chunkRows(V:)`) sets a smaller chunk, for tests of the chunk boundaries.
    public static func chunks(mask: UnsafePointer<Float>, rows: SequenceRows, V: Int, chunkRows R: Int? = nil,
                              into chunks: inout [Range<Int>]) {
        chunks.removeAll(keepingCapacity: true)
        precondition((R ?? 1) >= 1 && (R ?? 0) <= chunkRows(V: V), "chunks of \(R ?? 0) rows do not fit the buffers")
        let R = R ?? chunkRows(V: V), T = rows.T
        for b in 0..<rows.B {
            let n = rows.lengths[b], base = b * T
            guard let first = (0..<n).first(where: { mask[base + $0] != 0 }) else { continue }
            let last = (0..<n).last(where: { mask[base + $0] != 0 })!
            var start = first
            while start <= last {
                let end = min(last + 1, start + R)
                chunks.append((base + start)..<(base + end))
                start = end
            }
        }
    }

    /// tokenLogp = log softmax(inp · wteᵀ)[target] on the scored rows of `chunks` (0 on every other
    /// row), seqLogp[b] = Σ_t mask · tokenLogp. `buffer` holds `bufferFloats(V:)` floats.
    public static func forward(
        tokenLogp: UnsafeMutablePointer<Float>, // (B, T)
        seqLogp: UnsafeMutablePointer<Float>,   // (B)
        inp: UnsafePointer<Float>,              // (B, T, C)
        weight: UnsafePointer<Float>,           // (V, C)
        targets: UnsafePointer<Int32>,          // (B, T)
        mask: UnsafePointer<Float>,             // (B, T)
        chunks: [Range<Int>], buffer: UnsafeMutablePointer<Float>, // (maxWorkers, chunkRows, V)
        B: Int, T: Int, C: Int, V: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        tokenLogp.update(repeating: 0, count: B * T)
        let R = chunkRows(V: V)
        Parallel.forChunks(chunks.count) { worker, owned in
            let logits = buffer + worker * R * V
            for chunk in chunks[owned] {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(chunk.count), Int32(V), Int32(C),
                            1, inp + chunk.lowerBound * C, Int32(C), weight, Int32(C), 0, logits, Int32(V))
                for (i, row) in chunk.enumerated() where mask[row] != 0 {
                    tokenLogp[row] = logSoftmax(logits + i * V, V: V, target: Int(targets[row]))
                }
            }
        }
        for b in 0..<B {
            var s: Float = 0
            for t in 0..<T { s += mask[b * T + t] * tokenLogp[b * T + t] }
            seqLogp[b] = s
        }
    }

    /// Overwrites `l` with softmax(l) and returns log softmax(l)[target]: the arithmetic of `CrossEntropy.forward`.
    @inline(__always)
    static func logSoftmax(_ l: UnsafeMutablePointer<Float>, V: Int, target: Int) -> Float {
        let maxv = VectorReduce.max(l, V)
        let logit = l[target]
        for v in 0..<V { l[v] = FastMath.exp(l[v] - maxv) }
        let sum = VectorReduce.sum(l, V)
        let inv = 1 / sum
        for v in 0..<V { l[v] *= inv }
        return logit - maxv - logf(sum)
    }

    /// Back-propagates Σ_b dseq[b] · seqLogp[b]: dinp is overwritten (0 on rows outside the chunks),
    /// dweight accumulates. Each chunk's logits are recomputed, turned into
    /// dlogits = dseq[b] · mask · (onehot(target) − softmax) in place, then dinp = dlogits · W and
    /// dweight += dlogitsᵀ · inp. The weight gradient is split over fixed blocks of the vocabulary and
    /// adds the chunks in row order, so its floats do not depend on the thread count.
    public static func backward(
        dinp: UnsafeMutablePointer<Float>,    // (B, T, C)
        dweight: UnsafeMutablePointer<Float>, // (V, C)
        dseq: UnsafePointer<Float>,           // (B)
        inp: UnsafePointer<Float>,            // (B, T, C)
        weight: UnsafePointer<Float>,         // (V, C)
        targets: UnsafePointer<Int32>,        // (B, T)
        mask: UnsafePointer<Float>,           // (B, T)
        chunks: [Range<Int>], buffer: UnsafeMutablePointer<Float>, // (maxWorkers, chunkRows, V)
        B: Int, T: Int, C: Int, V: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        dinp.update(repeating: 0, count: B * T * C)
        let R = chunkRows(V: V), W = Parallel.maxWorkers
        let vocabBlocks = Parallel.blockCount(V, minimumPerBlock: 64)
        var start = 0
        while start < chunks.count {
            // Up to maxWorkers chunks at a time, each in its own buffer.
            let group = chunks[start..<min(chunks.count, start + W)]
            Parallel.forChunks(group.count) { _, owned in
                for i in owned {
                    let chunk = group[group.startIndex + i]
                    let d = buffer + i * R * V
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(chunk.count), Int32(V), Int32(C),
                                1, inp + chunk.lowerBound * C, Int32(C), weight, Int32(C), 0, d, Int32(V))
                    for (r, row) in chunk.enumerated() {
                        let g = dseq[row / T] * mask[row]
                        let dl = d + r * V
                        if g == 0 {
                            dl.update(repeating: 0, count: V)
                            continue
                        }
                        _ = logSoftmax(dl, V: V, target: Int(targets[row]))
                        for v in 0..<V { dl[v] = -g * dl[v] }
                        dl[Int(targets[row])] += g
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(chunk.count), Int32(C), Int32(V),
                                1, d, Int32(V), weight, Int32(C), 0, dinp + chunk.lowerBound * C, Int32(C))
                }
            }
            Parallel.forBlocks(V, blocks: vocabBlocks) { _, vocab in
                for (i, chunk) in group.enumerated() {
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(vocab.count), Int32(C), Int32(chunk.count),
                                1, buffer + i * R * V + vocab.lowerBound, Int32(V), inp + chunk.lowerBound * C, Int32(C),
                                1, dweight + vocab.lowerBound * C, Int32(C))
                }
            }
            start += group.count
        }
    }

    /// logits = inp · wteᵀ for one row, into `out` (V): what a decoder needs when the head keeps no logits.
    public static func logits(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              C: Int, V: Int) {
        _ = Matmul.singleThreadedBLAS
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(V), Int32(C), 1, weight, Int32(C), inp, 1, 0, out, 1)
    }
}
