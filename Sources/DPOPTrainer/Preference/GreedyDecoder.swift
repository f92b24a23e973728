/// Greedy decoding from prompts, batched: with a KV cache (`complete`), and the plain version that
/// re-runs every prefix (`completeByFullForwards`), kept beside it as the reference it is tested against.
public enum GreedyDecoder {
    /// Most memory the KV cache of one decoding batch may take; the batch holds as many sequences as fit.
    static let cacheBytes = 64 << 20
    /// Most sequences decoded at once.
    static let maxSlots = 64

    /// Greedy completion of each prompt (tokens until `endOfText`, `maxNewTokens` or the context),
    /// through `CachedForward`: the prompts run once, then each step runs one position per sequence.
    ///
    /// `hints` are completions to try first: greedy decoding agrees with a hint up to the first
    /// position where the argmax differs from it, and the prompt's forward, run over prompt + hint,
    /// finds that position; the cache is rewound to it and decoding goes on from there. The result
    /// is plain greedy decoding (a hint is read at most `maxNewTokens` tokens far).
    public static func complete(_ model: GPTModel, prompts: [[Int32]], hints: [[Int32]]? = nil,
                                endOfText: Int32 = ByteTokenizer.endOfText, maxNewTokens: Int = 96) -> [[Int32]] {
        let V = model.config.vocabSize
        let limit = model.maxSequence
        var results: [[Int32]] = Array(repeating: [], count: prompts.count)
        guard !prompts.isEmpty, maxNewTokens > 0 else { return results }
        let perSlot = KVCache.floats(config: model.config, slots: 1, maxSequence: limit) * MemoryLayout<Float>.size
        let slots = max(1, min(maxSlots, prompts.count, cacheBytes / perSlot))
        let decoder = CachedForward(model: model, slots: slots)
        var start = 0
        while start < prompts.count {
            let rows = Array(start..<min(prompts.count, start + slots))
            decoder.cache.reset()
            var texts = rows.map { prompts[$0] }
            var done = [Bool](repeating: false, count: rows.count)
            // Prefill: the prompt, and the hint but its last token, where they fit the context.
            var chunks: [(slot: Int, tokens: [Int32])] = []
            var hintRows: [[Int32]] = []
            for (i, r) in rows.enumerated() {
                precondition(!prompts[r].isEmpty, "greedy decoding needs a non-empty prompt")
                var hint = Array((hints?[r] ?? []).prefix(maxNewTokens))
                if prompts[r].count + hint.count - 1 > limit { hint = [] }
                if prompts[r].count > limit { done[i] = true; hintRows.append([]); continue }
                hintRows.append(hint)
                chunks.append((slot: i, tokens: prompts[r] + hint.dropLast()))
            }
            decoder.extend(chunks)
            var row = 0
            for (slot, tokens) in chunks {
                let i = slot, p = prompts[rows[i]].count
                let first = row + p - 1 // the row predicting the first completion token
                var generated: [Int32] = []
                for j in 0..<max(1, hintRows[i].count) {
                    let best = argmax(decoder.logits + (first + j) * V, V)
                    generated.append(best)
                    if best == endOfText || j >= hintRows[i].count || best != hintRows[i][j] { break }
                }
                row += tokens.count
                texts[i] += generated
                // Positions past the last token that agrees with the prefill are stale: rewind to the
                // text without its newest token, which is the next step's input.
                decoder.cache.truncate(slot: i, to: texts[i].count - 1)
                done[i] = generated.last == endOfText || generated.count >= maxNewTokens || texts[i].count >= limit + 1
            }
            while true {
                let active = done.indices.filter { !done[$0] }
                if active.isEmpty { break }
                decoder.extend(active.map { (slot: $0, tokens: [texts[$0].last!]) })
                for (k, i) in active.enumerated() {
                    let best = argmax(decoder.logits + k * V, V)
                    texts[i].append(best)
                    let generated = texts[i].count - prompts[rows[i]].count
                    if best == endOfText || generated >= maxNewTokens || texts[i].count >= limit + 1 {
                        done[i] = true
                    }
                }
            }
            for (i, r) in rows.enumerated() { results[r] = Array(texts[i][min(texts[i].count, prompts[r].count)...]) }
            start += rows.count
        }
        return results
    }

    /// Greedy completion as `complete`, each token by a full forward over the whole text so far (no
    /// cache): the reference `complete` is tested against.
    public static func completeByFullForwards(_ model: GPTModel, prompts: [[Int32]], hints: [[Int32]]? = nil,
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
