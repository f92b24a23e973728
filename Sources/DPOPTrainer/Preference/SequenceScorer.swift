/// Scores many sequences with a model, forward only, in batches that fit its arena. A sequence's
/// scores do not depend on the batch size or on its neighbours, so the cut is free.
public enum SequenceScorer {
    /// Summed masked log-prob of every sequence and, when `keepTokens`, the per-token log-probs of
    /// its scored targets (in order). `visit(i, b, T)` is called for sequence i right after the forward
    /// that ran it as row b of a (B, T) batch, while the model's outputs of that forward are readable
    /// (`SqueezeStatistics` reads its logits there, so the eval needs no second forward).
    public static func score(_ model: GPTModel, _ sequences: [TrainingSequence], keepTokens: Bool = false,
                             visit: ((_ index: Int, _ row: Int, _ T: Int) -> Void)? = nil)
        -> (sums: [Double], tokens: [[Float]]) {
        var sums: [Double] = []
        var tokens: [[Float]] = []
        sums.reserveCapacity(sequences.count)
        guard !sequences.isEmpty else { return ([], []) }
        let rows = min(model.maxBatch, sequences.count)
        var batch = SequenceBatch(maxBatch: rows, maxSequence: model.maxSequence)
        var start = 0
        while start < sequences.count {
            let slice = sequences[start..<min(sequences.count, start + rows)]
            batch.fill(slice)
            batch.forward(model)
            let T = batch.T
            for (b, s) in slice.enumerated() {
                sums.append(Double(model.sequenceLogProbs[b]))
                if keepTokens {
                    let row = model.tokenLogProbs + b * T
                    tokens.append((s.firstTarget - 1..<s.positions).map { row[$0] })
                }
                visit?(start + b, b, T)
            }
            start += slice.count
        }
        return (sums, tokens)
    }

    /// `score` with packing: sequences back to back in rows of at most the model's `maxRow` positions, each
    /// attending to itself only (`RowLayout.packed`), the LM head only on scored rows; at most maxBatch rows
    /// a forward. The same numbers as `score` within float32 rounding.
    public static func scorePacked(_ model: GPTModel, _ sequences: [TrainingSequence], keepTokens: Bool = false)
        -> (sums: [Double], tokens: [[Float]]) {
        var sums: [Double] = [], tokens: [[Float]] = []
        sums.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            // As many sequences as fill maxBatch rows of maxRow positions.
            var end = start, rows = 0, length = 0
            while end < sequences.count {
                let n = sequences[end].positions
                if rows == 0 || SharedTrunkBatch.startsRow(length: length, adding: n, maxRow: model.maxRow) {
                    if rows == model.maxBatch { break }
                    rows += 1
                    length = 0
                }
                length += n
                end += 1
            }
            let batch = SharedTrunkBatch(packing: sequences[start..<end], maxRow: model.maxRow)
            model.forward(batch)
            var perSlot = [[Float]](repeating: [], count: keepTokens ? end - start : 0)
            if keepTokens {
                for k in 0..<batch.targets.count { perSlot[batch.targets.slot[k]].append(model.targetLogProbs[k]) }
            }
            for i in 0..<(end - start) { sums.append(Double(model.sequenceLogProbs[i])) }
            tokens += perSlot
            start = end
        }
        return (sums, tokens)
    }

    /// Summed log-probs (and, when `keepTokens`, per-token log-probs of the scored targets in order) of
    /// each pair's chosen and rejected sequences, each pair run as one shared-trunk row
    /// (`SharedTrunkBatch`; two rows when its shared row exceeds the model's `maxRow`), in batches of at
    /// most maxBatch rows. A row's numbers depend on its own pair only, so the cut is free. `onChosenRow(i, row)`,
    /// when given, runs right after each forward for every logit row (b·T + t) that predicts a token of pair i's
    /// chosen sequence, in that sequence's order (its `logits(row:)` are then readable).
    public static func scorePairs(_ model: GPTModel, _ pairs: [(chosen: TrainingSequence, rejected: TrainingSequence)],
                                  keepTokens: Bool = false, onChosenRow: ((Int, Int) -> Void)? = nil)
        -> (chosen: (sums: [Double], tokens: [[Float]]), rejected: (sums: [Double], tokens: [[Float]])) {
        precondition(model.maxBatch >= 2, "shared-trunk scoring needs an arena of 2 rows (a pair may take two)")
        var chosen: (sums: [Double], tokens: [[Float]]) = ([], []), rejected: (sums: [Double], tokens: [[Float]]) = ([], [])
        let perBatch = model.maxBatch / 2
        var start = 0
        while start < pairs.count {
            let slice = pairs[start..<min(pairs.count, start + perBatch)]
            let batch = SharedTrunkBatch(pairs: slice, maxSequence: model.maxRow)
            model.forward(batch)
            if let onChosenRow {
                for k in 0..<batch.targets.count where batch.targets.slot[k] % 2 == 0 {
                    onChosenRow(start + batch.targets.slot[k] / 2, batch.targets.row[k])
                }
            }
            var tokens = [[Float]](repeating: [], count: keepTokens ? 2 * slice.count : 0)
            if keepTokens {
                for k in 0..<batch.targets.count { tokens[batch.targets.slot[k]].append(model.targetLogProbs[k]) }
            }
            for i in 0..<slice.count {
                chosen.sums.append(Double(model.sequenceLogProbs[2 * i]))
                rejected.sums.append(Double(model.sequenceLogProbs[2 * i + 1]))
                if keepTokens {
                    chosen.tokens.append(tokens[2 * i])
                    rejected.tokens.append(tokens[2 * i + 1])
                }
            }
            start += slice.count
        }
        return (chosen, rejected)
    }

    /// Fills every pair's reference log-probs scored as shared-trunk rows (`train.share_trunk`: the step's
    /// layout, so that policy = reference gives Δ = 0 exactly at step 0), and for LD-DPO its tails.
    /// With `keepTokens`, also both completions' per-token log-probs (the displacement profile's reference).
    public static func attachReferenceShared(_ model: GPTModel, to pairs: inout [PreparedPair], tails: Bool, keepTokens: Bool = false) {
        let scored = scorePairs(model, pairs.map { (chosen: $0.chosen, rejected: $0.rejected) }, keepTokens: tails || keepTokens)
        let shared = pairs.map(\.sharedLength)
        for i in pairs.indices {
            pairs[i].referenceChosen = scored.chosen.sums[i]
            pairs[i].referenceRejected = scored.rejected.sums[i]
            if keepTokens {
                pairs[i].referenceChosenTokens = scored.chosen.tokens[i]
                pairs[i].referenceRejectedTokens = scored.rejected.tokens[i]
            }
        }
        if tails {
            let c = Self.tails(scored.chosen.tokens, from: shared), r = Self.tails(scored.rejected.tokens, from: shared)
            for i in pairs.indices {
                pairs[i].referenceChosenTail = c[i]
                pairs[i].referenceRejectedTail = r[i]
            }
        }
    }

    /// Sum of each completion's per-token log-probs from position `from[i]` on (LD-DPO's tail).
    public static func tails(_ tokens: [[Float]], from: [Int]) -> [Double] {
        zip(tokens, from).map { t, k in t[min(k, t.count)...].reduce(0) { $0 + Double($1) } }
    }

    /// Fills every pair's reference tail log-probs (`PreparedPair.referenceChosenTail`), for LD-DPO.
    public static func attachReferenceTails(_ model: GPTModel, to pairs: inout [PreparedPair]) {
        let shared = pairs.map(\.sharedLength)
        let chosen = tails(score(model, pairs.map(\.chosen), keepTokens: true).tokens, from: shared)
        let rejected = tails(score(model, pairs.map(\.rejected), keepTokens: true).tokens, from: shared)
        for i in pairs.indices {
            pairs[i].referenceChosenTail = chosen[i]
            pairs[i].referenceRejectedTail = rejected[i]
        }
    }

    /// Fills every pair's reference log-probs (and both completions' per-token ones when `keepTokens`).
    public static func attachReference(_ model: GPTModel, to pairs: inout [PreparedPair], keepTokens: Bool) {
        let chosen = score(model, pairs.map(\.chosen), keepTokens: keepTokens)
        let rejected = score(model, pairs.map(\.rejected), keepTokens: keepTokens)
        for i in pairs.indices {
            pairs[i].referenceChosen = chosen.sums[i]
            pairs[i].referenceRejected = rejected.sums[i]
            if keepTokens {
                pairs[i].referenceChosenTokens = chosen.tokens[i]
                pairs[i].referenceRejectedTokens = rejected.tokens[i]
            }
        }
    }

    /// Fills only the rejected completions' reference per-token log-probs (a reference cache written
    /// before they were kept has the chosen ones alone).
    public static func attachReferenceRejectedTokens(_ model: GPTModel, to pairs: inout [PreparedPair]) {
        let rejected = score(model, pairs.map(\.rejected), keepTokens: true)
        for i in pairs.indices { pairs[i].referenceRejectedTokens = rejected.tokens[i] }
    }
}
