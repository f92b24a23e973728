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
