/// CHES (Razin et al., "Unintentional Unalignment", ICLR 2025): how strongly a pair's two completions
/// share their final hidden states; high values predict that preference training lowers log π(y_w).
///
/// With h_t the final-layer hidden states (after the last LayerNorm, the vectors the unembedding reads)
/// at the positions that predict each completion token — from the last prompt token through the position
/// that predicts end-of-text, the positions whose log-probs a completion's score sums, as in the authors'
/// `compute_ches_scores` — `ches = ⟨Σh_w, Σh_l⟩ − ‖Σh_w‖²` and `normalised` uses the means.
public struct PairCHES: Equatable, Sendable, Codable {
    public var ches: Double
    public var normalised: Double
}

/// Computes `PairCHES` for many pairs with one model, forward only, in batches its arena holds.
public enum CHESScorer {
    /// CHES of every pair under `model` (normally the reference, before preference training).
    public static func score(_ model: GPTModel, _ pairs: [PreparedPair]) -> [PairCHES] {
        let chosen = hiddenSums(model, pairs.map(\.chosen))
        let rejected = hiddenSums(model, pairs.map(\.rejected))
        return pairs.indices.map { i in
            let (w, nw) = chosen[i], (l, nl) = rejected[i]
            var cross = 0.0, own = 0.0
            for c in w.indices {
                cross += w[c] * l[c]
                own += w[c] * w[c]
            }
            let meanCross = cross / Double(nw * nl), meanOwn = own / Double(nw * nw)
            return PairCHES(ches: cross - own, normalised: meanCross - meanOwn)
        }
    }

    /// Sum, in Double, of each sequence's final hidden states over its scored positions, and their count.
    static func hiddenSums(_ model: GPTModel, _ sequences: [TrainingSequence]) -> [(sum: [Double], count: Int)] {
        guard !sequences.isEmpty else { return [] }
        let C = model.config.channels
        let rows = min(model.maxBatch, sequences.count)
        var batch = SequenceBatch(maxBatch: rows, maxSequence: model.maxSequence)
        var sums: [(sum: [Double], count: Int)] = []
        sums.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            let slice = sequences[start..<min(sequences.count, start + rows)]
            batch.fill(slice)
            batch.forward(model)
            let hidden = model.finalHiddenStates  // (B, T, C)
            for (b, s) in slice.enumerated() {
                var sum = [Double](repeating: 0, count: C)
                // Position t predicts token t + 1: firstTarget − 1 predicts the first completion token,
                // positions − 1 predicts end-of-text.
                for t in (s.firstTarget - 1)..<s.positions {
                    let h = hidden + (b * batch.T + t) * C
                    for c in 0..<C { sum[c] += Double(h[c]) }
                }
                sums.append((sum, s.positions - s.firstTarget + 1))
            }
            start += slice.count
        }
        return sums
    }
}
