/// Greedy decoding from prompts, batched, without a KV cache.
public enum GreedyDecoder {
    /// Greedy completion of each prompt (tokens until `endOfText` or `maxNewTokens` or the context).
    ///
    /// `hints` are completions to try first: greedy decoding agrees with a hint up to the first
    /// position where the argmax differs from it, and one teacher-forced forward finds that
    /// position; decoding then continues from there only for the rows that diverged. The result
    /// is exactly plain greedy decoding, at a fraction of the forwards.
    public static func complete(_ model: GPTModel, prompts: [[Int32]], hints: [[Int32]]? = nil,
                                endOfText: Int32 = ByteTokenizer.endOfText, maxNewTokens: Int = 96) -> [[Int32]] {
        let V = model.config.vocabSize
        let limit = model.maxSequence
        var results: [[Int32]] = Array(repeating: [], count: prompts.count)
        guard !prompts.isEmpty else { return results }
        let batchRows = min(model.maxBatch, prompts.count)
        var batch = SequenceBatch(maxBatch: batchRows, maxSequence: limit)
        var start = 0
        while start < prompts.count {
            let rows = Array(start..<min(prompts.count, start + batchRows))
            // Current text of each row (prompt + generated) and whether it is finished.
            var texts = rows.map { prompts[$0] }
            var done = [Bool](repeating: false, count: rows.count)
            if let hints {
                // One forward over prompt + hint: keep the hint's tokens while they are the argmax.
                let seqs = rows.map { TrainingSequence(tokens: prompts[$0] + hints[$0], firstTarget: max(1, prompts[$0].count)) }
                let fitting = seqs.allSatisfy { $0.positions <= limit }
                if fitting {
                    batch.fill(seqs)
                    batch.forward(model)
                    let T = batch.T
                    for (i, r) in rows.enumerated() {
                        let p = prompts[r].count
                        var generated: [Int32] = []
                        for (j, token) in hints[r].enumerated() {
                            let best = argmax(model.logits(row: i * T + p - 1 + j), V)
                            generated.append(best)
                            if best != token || best == endOfText { break }
                        }
                        texts[i] = prompts[r] + generated
                        done[i] = generated.last == endOfText || generated.count >= maxNewTokens
                    }
                }
            }
            while done.contains(false) {
                let active = done.indices.filter { !done[$0] && texts[$0].count < limit + 1 }
                if active.isEmpty { break }
                let seqs = active.map { TrainingSequence(tokens: texts[$0] + [0], firstTarget: 1) }
                batch.fill(seqs)
                batch.forward(model)
                let T = batch.T
                for (k, i) in active.enumerated() {
                    let last = texts[i].count - 1
                    let best = argmax(model.logits(row: k * T + last), V)
                    texts[i].append(best)
                    let generated = texts[i].count - prompts[rows[i]].count
                    if best == endOfText || generated >= maxNewTokens || texts[i].count >= limit + 1 {
                        done[i] = true
                    }
                }
            }
            for (i, r) in rows.enumerated() { results[r] = Array(texts[i][prompts[r].count...]) }
            start += rows.count
        }
        return results
    }

    @inline(__always)
    static func argmax(_ p: UnsafePointer<Float>, _ n: Int) -> Int32 {
        var best = 0
        for v in 1..<n where p[v] > p[best] { best = v }
        return Int32(best)
    }
}
