import CBLAS
import Foundation

/// The output layer and log-softmax on the scored logit rows only, each row scoring one or two targets
/// (a shared trunk's last row predicts both tails' first tokens), summed into per-slot log-probs.
///
/// Like `LMHead`, it runs in chunks of scored rows (`ScoredTargets.chunks`) into per-worker logit
/// buffers and keeps nothing of size V per row: the backward recomputes each chunk's logits.
/// `NaiveTargetCrossEntropy` is the reference.
public enum TargetCrossEntropy {
    /// targetLogp[k] = log softmax(inp[row_k] · wteᵀ)[token_k]; seqLogp[s] = Σ_{k of slot s} weight_k · targetLogp[k],
    /// adding in target order. `buffer` holds `LMHead.bufferFloats(V:)` floats; chunks of at most `LMHead.chunkRows(V:)` rows.
    public static func forward(
        targetLogp: UnsafeMutablePointer<Float>, // (K)
        seqLogp: UnsafeMutablePointer<Float>,    // (slotCount)
        inp: UnsafePointer<Float>,               // (B, T, C)
        weight: UnsafePointer<Float>,            // (V, C)
        targets: ScoredTargets, chunks: [Range<Int>],
        buffer: UnsafeMutablePointer<Float>,     // (maxWorkers, chunkRows, V)
        C: Int, V: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        let R = LMHead.chunkRows(V: V)
        targets.first.withUnsafeBufferPointer { first in
            targets.second.withUnsafeBufferPointer { second in
                targets.token.withUnsafeBufferPointer { token in
                    Parallel.forChunks(chunks.count) { worker, owned in
                        let logits = buffer + worker * R * V
                        for chunk in chunks[owned] {
                            precondition(chunk.count <= R, "a chunk of \(chunk.count) rows exceeds the buffers' \(R)")
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(chunk.count), Int32(V), Int32(C),
                                        1, inp + chunk.lowerBound * C, Int32(C), weight, Int32(C), 0, logits, Int32(V))
                            for (i, r) in chunk.enumerated() where first[r] >= 0 {
                                let l = logits + i * V
                                let k1 = Int(first[r]), k2 = Int(second[r])
                                let logit1 = l[Int(token[k1])], logit2 = k2 >= 0 ? l[Int(token[k2])] : 0
                                let maxv = VectorReduce.max(l, V)
                                for v in 0..<V { l[v] = FastMath.exp(l[v] - maxv) }
                                let logSum = logf(VectorReduce.sum(l, V))
                                targetLogp[k1] = logit1 - maxv - logSum
                                if k2 >= 0 { targetLogp[k2] = logit2 - maxv - logSum }
                            }
                        }
                    }
                }
            }
        }
        seqLogp.update(repeating: 0, count: targets.slotCount)
        for k in 0..<targets.count { seqLogp[targets.slot[k]] += targets.weight[k] * targetLogp[k] }
    }

    /// Back-propagates Σ_s dseq[s] · seqLogp[s]: dinp is overwritten (0 on rows outside the chunks),
    /// dweight accumulates. Per scored row, dlogits = Σ_k g_k (onehot(token_k) − softmax) with
    /// g_k = dseq[slot_k] · weight_k; then dinp = dlogits · W and dweight += dlogitsᵀ · inp, the weight
    /// gradient split over fixed vocabulary blocks adding the chunks in row order (thread-count invariant).
    public static func backward(
        dinp: UnsafeMutablePointer<Float>,    // (B, T, C)
        dweight: UnsafeMutablePointer<Float>, // (V, C)
        dseq: UnsafePointer<Float>,           // (slotCount)
        inp: UnsafePointer<Float>,            // (B, T, C)
        weight: UnsafePointer<Float>,         // (V, C)
        targets: ScoredTargets, chunks: [Range<Int>],
        buffer: UnsafeMutablePointer<Float>,  // (maxWorkers, chunkRows, V)
        C: Int, V: Int
    ) {
        _ = Matmul.singleThreadedBLAS
        dinp.update(repeating: 0, count: targets.B * targets.T * C)
        let R = LMHead.chunkRows(V: V), W = Parallel.maxWorkers
        let vocabBlocks = Parallel.blockCount(V, minimumPerBlock: 64)
        targets.first.withUnsafeBufferPointer { first in
            targets.second.withUnsafeBufferPointer { second in
                targets.token.withUnsafeBufferPointer { token in
                    var start = 0
                    while start < chunks.count {
                        let group = chunks[start..<min(chunks.count, start + W)]
                        Parallel.forChunks(group.count) { _, owned in
                            for i in owned {
                                let chunk = group[group.startIndex + i]
                                let d = buffer + i * R * V
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(chunk.count), Int32(V), Int32(C),
                                            1, inp + chunk.lowerBound * C, Int32(C), weight, Int32(C), 0, d, Int32(V))
                                for (r, row) in chunk.enumerated() {
                                    let dl = d + r * V
                                    let k1 = Int(first[row]), k2 = Int(second[row])
                                    let g1 = k1 >= 0 ? dseq[targets.slot[k1]] * targets.weight[k1] : 0
                                    let g2 = k2 >= 0 ? dseq[targets.slot[k2]] * targets.weight[k2] : 0
                                    if g1 == 0 && g2 == 0 {
                                        dl.update(repeating: 0, count: V)
                                        continue
                                    }
                                    _ = LMHead.logSoftmax(dl, V: V, target: 0)
                                    let g = g1 + g2
                                    for v in 0..<V { dl[v] = -g * dl[v] }
                                    dl[Int(token[k1])] += g1
                                    if k2 >= 0 { dl[Int(token[k2])] += g2 }
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
            }
        }
    }
}
