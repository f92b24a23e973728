// AOT (Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via Optimal Transport") compares
// log-ratios as distributions over the batch: it sorts them and applies DPO's logistic loss to the
// differences of equal-rank order statistics. A sorted value is one of the inputs, so its gradient flows
// to the pair that sits at that rank (the sort permutation), as autograd through `torch.sort` does in TRL.
extension PreferenceLossConfig {
    /// `aot` and `aot_unpaired` over a batch: mean loss and per-pair gradients through the sort permutation.
    ///
    /// `aot` sorts the policy log-ratios pc − pr and, separately, the reference log-ratios rc − rr, and
    /// takes −log σ(β(x₍k₎ − y₍k₎)) at each rank k; `aot_unpaired` sorts Δw and Δl separately and takes
    /// −log σ(β(Δw₍k₎ − Δl₍k₎)). A pair's reported term is the one at the rank of its own pc − pr (`aot`)
    /// or Δw (`aot_unpaired`). Ties are ordered by position in the batch, so the result is deterministic;
    /// TRL's label smoothing for these losses (0 by default) is not offered.
    func sortedLossAndGradients(_ pairs: [PairLogProbs]) -> (loss: Double, grads: [PairLossGradient]) {
        let n = Double(pairs.count)
        let chosenSide: [Double]
        let rejectedSide: [Double]
        if kind == .aot {
            chosenSide = pairs.map { $0.pc - $0.pr }
            rejectedSide = pairs.map { $0.rc - $0.rr }
        } else {
            chosenSide = pairs.map(\.chosenDelta)
            rejectedSide = pairs.map(\.rejectedDelta)
        }
        let chosenOrder = Self.ascendingOrder(chosenSide)
        let rejectedOrder = Self.ascendingOrder(rejectedSide)
        var grads = pairs.map { p in
            let r = implicitRewards(p)
            return PairLossGradient(loss: 0, dpc: 0, dpr: 0, rewardChosen: r.chosen, rewardRejected: r.rejected)
        }
        var total = 0.0
        for k in pairs.indices {
            let i = chosenOrder[k], j = rejectedOrder[k]
            let delta = chosenSide[i] - rejectedSide[j]
            let term = StableMath.softplus(-beta * delta)
            let dLdDelta = -beta * StableMath.sigmoid(-beta * delta) / n
            total += term
            grads[i].loss = term
            if kind == .aot {
                // x₍k₎ = pc − pr of pair i; the reference side is frozen.
                grads[i].dpc += dLdDelta
                grads[i].dpr -= dLdDelta
            } else {
                // Δw₍k₎ belongs to pair i, Δl₍k₎ to pair j.
                grads[i].dpc += dLdDelta
                grads[j].dpr -= dLdDelta
            }
        }
        return (total / n, grads)
    }

    /// Indices that sort `values` ascending, ties by index.
    private static func ascendingOrder(_ values: [Double]) -> [Int] {
        values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
    }
}
