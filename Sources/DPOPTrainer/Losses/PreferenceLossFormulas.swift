import Foundation

// The loss formulas of DESIGN.md §1 with their exact gradients with respect to the policy
// log-probs pc and pr. The reference log-probs rc, rr are frozen, so they get no gradient.
extension PreferenceLossConfig {
    /// Mean loss over `pairs` and, per pair, its loss term, ∂(mean loss)/∂pc and ∂/∂pr, and implicit rewards.
    ///
    /// The batch loss is the mean of the pair terms, so each gradient already carries the 1/N.
    /// `kto_pair` is the exception to "each pair on its own": its reference points
    /// z_w = max(0, mean Δw) and z_l = max(0, mean Δl) are batch means, and they are treated as
    /// constants (no gradient flows through them), as the KTO paper and TRL's KTO trainer do with
    /// their KL estimate. `kto_pair`'s pair term is the sum of both brackets, so it is twice
    /// TRL's `kto_pair` value, which averages the 2N brackets. An empty batch has loss 0.
    /// Completion lengths must be at least 1.
    public func lossAndGradients(_ pairs: [PairLogProbs]) -> (loss: Double, grads: [PairLossGradient]) {
        guard !pairs.isEmpty else { return (0, []) }
        let n = Double(pairs.count)
        var zw = 0.0
        var zl = 0.0
        if kind == .ktoPair {
            zw = max(0, pairs.reduce(0) { $0 + $1.chosenDelta } / n)
            zl = max(0, pairs.reduce(0) { $0 + $1.rejectedDelta } / n)
        }
        var total = 0.0
        var grads: [PairLossGradient] = []
        grads.reserveCapacity(pairs.count)
        for p in pairs {
            var g = pairTerm(p, ktoChosenReference: zw, ktoRejectedReference: zl)
            total += g.loss
            g.dpc /= n
            g.dpr /= n
            grads.append(g)
        }
        return (total / n, grads)
    }

    /// Implicit rewards of a pair as reported in `rewards/chosen` and `rewards/rejected`.
    ///
    /// Losses with a reference use β·Δw and β·Δl, except DPOP, whose chosen reward carries its
    /// penalty: β(Δw − λ·max(0, −Δw)). Reference-free losses use the per-token policy log-prob:
    /// `simpo` β·ℓ̄ (its margin is the difference of these), `orpo` and `sft` plain ℓ̄.
    public func implicitRewards(_ p: PairLogProbs) -> (chosen: Double, rejected: Double) {
        let dw = p.chosenDelta
        let dl = p.rejectedDelta
        switch kind {
        case .dpop:
            return (beta * (dw - lambda * max(0, -dw)), beta * dl)
        case .simpo:
            return (beta * p.chosenMeanLogProb, beta * p.rejectedMeanLogProb)
        case .orpo, .sft:
            return (p.chosenMeanLogProb, p.rejectedMeanLogProb)
        default:
            return (beta * dw, beta * dl)
        }
    }

    /// One pair's loss term with gradients of that term (not divided by the batch size).
    ///
    /// `ktoChosenReference` / `ktoRejectedReference` are z_w / z_l, read only by `kto_pair`.
    func pairTerm(
        _ p: PairLogProbs, ktoChosenReference zw: Double, ktoRejectedReference zl: Double
    ) -> PairLossGradient {
        precondition(p.nc > 0 && p.nr > 0, "completion lengths must be at least 1 (end-of-text counts)")
        let dw = p.chosenDelta
        let dl = p.rejectedDelta
        let h = dw - dl
        let nc = Double(p.nc)
        let nr = Double(p.nr)
        var loss: Double
        var dpc: Double
        var dpr: Double

        switch kind {
        case .dpo:
            (loss, dpc, dpr) = Self.dpo(beta: beta, h: h)

        case .dpop:
            // The penalty is active only for Δw < 0; at the kink Δw = 0 we take the subgradient 0,
            // so DPOP equals DPO exactly whenever the chosen log-prob has not fallen.
            let active = dw < 0
            let penalty = active ? -dw : 0
            switch placement {
            case .inside:
                let u = h - lambda * penalty
                loss = StableMath.softplus(-beta * u)
                let dLdu = -beta * StableMath.sigmoid(-beta * u)
                dpc = dLdu * (active ? 1 + lambda : 1)
                dpr = -dLdu
            case .outside:
                (loss, dpc, dpr) = Self.dpo(beta: beta, h: h)
                loss += lambda * penalty
                if active { dpc -= lambda }
            }

        case .ipo:
            // Per-token averaged log-ratios, as IPO's authors intend, so long completions do not dominate.
            let hbar = dw / nc - dl / nr
            let r = hbar - 1 / (2 * beta)
            loss = r * r
            dpc = 2 * r / nc
            dpr = -2 * r / nr

        case .cdpo:
            loss = (1 - epsilon) * StableMath.softplus(-beta * h) + epsilon * StableMath.softplus(beta * h)
            let dLdh = -(1 - epsilon) * beta * StableMath.sigmoid(-beta * h)
                + epsilon * beta * StableMath.sigmoid(beta * h)
            dpc = dLdh
            dpr = -dLdh

        case .robust:
            let scale = 1 / (1 - 2 * epsilon)
            loss = scale * ((1 - epsilon) * StableMath.softplus(-beta * h) - epsilon * StableMath.softplus(beta * h))
            let dLdh = scale * (-(1 - epsilon) * beta * StableMath.sigmoid(-beta * h)
                - epsilon * beta * StableMath.sigmoid(beta * h))
            dpc = dLdh
            dpr = -dLdh

        case .hinge:
            // At the kink βh = 1 the subgradient 0 is taken.
            let m = 1 - beta * h
            loss = max(0, m)
            let dLdh = m > 0 ? -beta : 0
            dpc = dLdh
            dpr = -dLdh

        case .simpo:
            let u = beta * (p.chosenMeanLogProb - p.rejectedMeanLogProb) - gamma
            loss = StableMath.softplus(-u)
            let dLdu = -StableMath.sigmoid(-u)
            dpc = dLdu * beta / nc
            dpr = -dLdu * beta / nr

        case .orpo:
            let (aw, gw) = Self.logOdds(p.chosenMeanLogProb)
            let (al, gl) = Self.logOdds(p.rejectedMeanLogProb)
            let z = aw - al
            loss = -p.chosenMeanLogProb + alpha * StableMath.softplus(-z)
            let dLdz = -alpha * StableMath.sigmoid(-z)
            dpc = (-1 + dLdz * gw) / nc
            dpr = (-dLdz * gl) / nr

        case .rpo:
            (loss, dpc, dpr) = Self.dpo(beta: beta, h: h)
            loss += alpha * (-p.pc / nc)
            dpc -= alpha / nc

        case .ktoPair:
            let a = beta * (dw - zl)
            let b = beta * (zw - dl)
            let sa = StableMath.sigmoid(a)
            let sb = StableMath.sigmoid(b)
            // 1 − σ(x) = σ(−x) keeps full precision when σ(x) is close to 1.
            loss = StableMath.sigmoid(-a) + StableMath.sigmoid(-b)
            dpc = -beta * sa * (1 - sa)
            dpr = beta * sb * (1 - sb)

        case .sft:
            loss = -p.pc / nc
            dpc = -1 / nc
            dpr = 0
        }

        let rewards = implicitRewards(p)
        return PairLossGradient(loss: loss, dpc: dpc, dpr: dpr, rewardChosen: rewards.chosen, rewardRejected: rewards.rejected)
    }

    /// −log σ(βh) and its gradients with respect to pc and pr.
    private static func dpo(beta: Double, h: Double) -> (Double, Double, Double) {
        let dLdh = -beta * StableMath.sigmoid(-beta * h)
        return (StableMath.softplus(-beta * h), dLdh, -dLdh)
    }

    /// Largest per-token log-prob ORPO evaluates: at ℓ̄ = 0 the probability is 1 and the odds are infinite.
    static let orpoMaxMeanLogProb = -1e-9

    /// log odds(p) with p = e^ℓ̄, i.e. ℓ̄ − log(1 − e^ℓ̄), and its derivative 1/(1 − e^ℓ̄) = −1/expm1(ℓ̄).
    ///
    /// ℓ̄ above `orpoMaxMeanLogProb` (only possible through rounding) is evaluated at that bound,
    /// value and slope alike, so the loss stays finite and still has a gradient.
    private static func logOdds(_ meanLogProb: Double) -> (value: Double, derivative: Double) {
        let a = min(meanLogProb, orpoMaxMeanLogProb)
        return (a - StableMath.log1mexp(a), -1 / expm1(a))
    }
}
