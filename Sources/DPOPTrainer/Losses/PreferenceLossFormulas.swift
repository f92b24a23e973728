import Foundation

// The loss formulas of the README's loss table with their exact gradients with respect to the policy
// log-probs pc and pr. The reference log-probs rc, rr are frozen, so they get no gradient.
// Each loss is a function of the whole batch returning its mean and per-pair gradients, so a weighted
// combination of losses is the weighted sum of these results.
extension PreferenceLossConfig {
    /// Mean loss over `pairs` and, per pair, its loss term, ∂(mean loss)/∂pc and ∂/∂pr, and implicit rewards.
    ///
    /// The batch loss is the mean of the pair terms, so each gradient already carries the 1/N.
    /// `kto_pair`, `aot` and `aot_unpaired` are the exceptions to "each pair on its own": AOT sorts the
    /// log-ratios across the batch (`sortedLossAndGradients`), and `kto_pair`'s reference points
    /// z_w = max(0, mean Δw) and z_l = max(0, mean Δl) are batch means, and they are treated as
    /// constants (no gradient flows through them), as the KTO paper and TRL's KTO trainer do with
    /// their KL estimate. `kto_pair`'s pair term is the sum of both brackets, so it is twice
    /// TRL's `kto_pair` value, which averages the 2N brackets. An empty batch has loss 0.
    /// Completion lengths must be at least 1.
    public func lossAndGradients(_ pairs: [PairLogProbs]) -> (loss: Double, grads: [PairLossGradient]) {
        guard !pairs.isEmpty else { return (0, []) }
        if !combination.isEmpty { return combinedLossAndGradients(pairs) }
        if kind == .aot || kind == .aotUnpaired { return sortedLossAndGradients(pairs) }
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

    /// A combination: the weighted sum of its members' batch results, each member with this configuration's
    /// shared parameters; the rewards are the first member's (the config's `kind`).
    private func combinedLossAndGradients(_ pairs: [PairLogProbs]) -> (loss: Double, grads: [PairLossGradient]) {
        var total = 0.0
        var grads: [PairLossGradient] = []
        for (m, term) in combination.enumerated() {
            var single = self
            single.combination = []
            single.kind = term.kind
            let (value, memberGrads) = single.lossAndGradients(pairs)
            total += term.weight * value
            if m == 0 {
                grads = memberGrads.map {
                    PairLossGradient(loss: term.weight * $0.loss, dpc: term.weight * $0.dpc, dpr: term.weight * $0.dpr,
                                     rewardChosen: $0.rewardChosen, rewardRejected: $0.rewardRejected)
                }
            } else {
                for i in grads.indices {
                    grads[i].loss += term.weight * memberGrads[i].loss
                    grads[i].dpc += term.weight * memberGrads[i].dpc
                    grads[i].dpr += term.weight * memberGrads[i].dpr
                }
            }
        }
        return (total, grads)
    }

    /// Implicit rewards of a pair as reported in `rewards/chosen` and `rewards/rejected`.
    ///
    /// Losses with a reference use β·Δw and β·Δl (TRL's rewards), except where the loss compares other
    /// quantities, so that `rewards/margins` is what the loss pushes apart: DPOP's chosen reward carries its
    /// penalty, β(Δw − λ·max(0, −Δw)); DPO-Shift's rejected reward is β·λ_s·Δl; `sigmoid_norm` uses the
    /// per-token log-ratios β·Δw/|y_w| and β·Δl/|y_l|. Reference-free losses use the per-token policy
    /// log-prob: `simpo` β·ℓ̄ (its margin is the difference of these), `orpo`, `sft` and `simper` plain ℓ̄.
    public func implicitRewards(_ p: PairLogProbs) -> (chosen: Double, rejected: Double) {
        let dw = p.chosenDelta
        let dl = p.rejectedDelta
        switch kind {
        case .dpop:
            return (beta * (dw - lambda * max(0, -dw)), beta * dl)
        case .dpoShift:
            return (beta * dw, beta * shift * dl)
        case .sigmoidNorm:
            return (beta * dw / Double(p.nc), beta * dl / Double(p.nr))
        case .simpo:
            return (beta * p.chosenMeanLogProb, beta * p.rejectedMeanLogProb)
        case .orpo, .sft, .simper:
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
        // The losses the f-divergence reshapes compare scores s(Δw) − s(Δl) instead of h; they compute their
        // gradients with respect to the scores, and the chain rule through s is applied after the switch.
        // Under reverse_kl the scores are Δw and Δl themselves and the slopes exactly 1.
        let reshaped = kind.usedParameters.contains(.fDivergence)
        let (sw, slopeW) = reshaped ? fDivergence.score(dw, coefficient: fAlphaDivergenceCoef) : (dw, 1)
        let (sl, slopeL) = reshaped ? fDivergence.score(dl, coefficient: fAlphaDivergenceCoef) : (dl, 1)
        let hs = sw - sl
        let nc = Double(p.nc)
        let nr = Double(p.nr)
        var loss: Double
        var dpc: Double
        var dpr: Double

        switch kind {
        case .dpo:
            (loss, dpc, dpr) = Self.dpo(beta: beta, h: hs)

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
            let hbar = sw / nc - sl / nr
            let r = hbar - 1 / (2 * beta)
            loss = r * r
            dpc = 2 * r / nc
            dpr = -2 * r / nr

        case .cdpo:
            loss = (1 - epsilon) * StableMath.softplus(-beta * hs) + epsilon * StableMath.softplus(beta * hs)
            let dLdh = -(1 - epsilon) * beta * StableMath.sigmoid(-beta * hs)
                + epsilon * beta * StableMath.sigmoid(beta * hs)
            dpc = dLdh
            dpr = -dLdh

        case .robust:
            let scale = 1 / (1 - 2 * epsilon)
            loss = scale * ((1 - epsilon) * StableMath.softplus(-beta * hs) - epsilon * StableMath.softplus(beta * hs))
            let dLdh = scale * (-(1 - epsilon) * beta * StableMath.sigmoid(-beta * hs)
                - epsilon * beta * StableMath.sigmoid(beta * hs))
            dpc = dLdh
            dpr = -dLdh

        case .hinge:
            // At the kink βh = 1 the subgradient 0 is taken.
            let m = 1 - beta * hs
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

        case .aot, .aotUnpaired:
            // A pair alone sorts to itself, so both are DPO; a batch goes through `sortedLossAndGradients`.
            (loss, dpc, dpr) = Self.dpo(beta: beta, h: h)

        case .exoPair:
            // σ(x)(log σ(x) − log(1−ε)) + σ(−x)(log σ(−x) − log ε), x = βh; its slope is
            // σ(x)σ(−x)·(x − log(1−ε) + log ε), since log σ(x) − log σ(−x) = x.
            let x = beta * hs
            let a = log1p(-epsilon), b = log(epsilon)
            let sx = StableMath.sigmoid(x), sm = StableMath.sigmoid(-x)
            loss = sx * (StableMath.logSigmoid(x) - a) + sm * (StableMath.logSigmoid(-x) - b)
            let dLdh = beta * sx * sm * (x - a + b)
            dpc = dLdh
            dpr = -dLdh

        case .ncaPair:
            let u = beta * dw, v = beta * dl
            loss = StableMath.softplus(-u) + 0.5 * StableMath.softplus(u) + 0.5 * StableMath.softplus(v)
            dpc = beta * (-StableMath.sigmoid(-u) + 0.5 * StableMath.sigmoid(u))
            dpr = beta * 0.5 * StableMath.sigmoid(v)

        case .bcoPair:
            let u = beta * dw, v = beta * dl
            loss = StableMath.softplus(-u) + StableMath.softplus(v)
            dpc = -beta * StableMath.sigmoid(-u)
            dpr = beta * StableMath.sigmoid(v)

        case .sppoHard:
            let a = dw - 0.5 / beta, b = dl + 0.5 / beta
            loss = a * a + b * b
            dpc = 2 * a
            dpr = 2 * b

        case .apoZero:
            // [1 − σ(βΔw)] + σ(βΔl), with 1 − σ(x) written σ(−x).
            let u = beta * dw, v = beta * dl
            loss = StableMath.sigmoid(-u) + StableMath.sigmoid(v)
            dpc = -beta * StableMath.sigmoid(u) * StableMath.sigmoid(-u)
            dpr = beta * StableMath.sigmoid(v) * StableMath.sigmoid(-v)

        case .apoDown:
            // σ(βΔw) + [1 − σ(βh)].
            let u = beta * dw, x = beta * h
            loss = StableMath.sigmoid(u) + StableMath.sigmoid(-x)
            let dx = -beta * StableMath.sigmoid(x) * StableMath.sigmoid(-x)
            dpc = beta * StableMath.sigmoid(u) * StableMath.sigmoid(-u) + dx
            dpr = -dx

        case .discopop:
            (loss, dpc, dpr) = Self.discopop(x: beta * hs, tau: tau)
            dpc *= beta
            dpr *= beta

        case .sigmoidNorm:
            let hbar = sw / nc - sl / nr
            loss = StableMath.softplus(-beta * hbar)
            let dLdh = -beta * StableMath.sigmoid(-beta * hbar)
            dpc = dLdh / nc
            dpr = -dLdh / nr

        case .calDPO:
            // The authors' code: DPO at β = 1 plus half the squared distances of Δw and Δl from ±1/(2β).
            let c = 1 / (2 * beta)
            loss = StableMath.softplus(-h) + 0.5 * ((dw - c) * (dw - c) + (dl + c) * (dl + c))
            let s = StableMath.sigmoid(-h)
            dpc = -s + (dw - c)
            dpr = s + (dl + c)

        case .dpoShift:
            let u = beta * (dw - shift * dl)
            loss = StableMath.softplus(-u)
            let s = StableMath.sigmoid(-u)
            dpc = -beta * s
            dpr = beta * shift * s

        case .simper:
            // A log-prob cannot exceed 0; above it (rounding) value and slope are taken at 0, as ORPO does.
            let ew = exp(min(p.chosenMeanLogProb, 0)), el = exp(min(p.rejectedMeanLogProb, 0))
            loss = el - ew
            dpc = -ew / nc
            dpr = el / nr
        }

        dpc *= slopeW
        dpr *= slopeL

        let rewards = implicitRewards(p)
        return PairLossGradient(loss: loss, dpc: dpc, dpr: dpr, rewardChosen: rewards.chosen, rewardRejected: rewards.rejected)
    }

    /// −log σ(βh) and its gradients with respect to pc and pr.
    private static func dpo(beta: Double, h: Double) -> (Double, Double, Double) {
        let dLdh = -beta * StableMath.sigmoid(-beta * h)
        return (StableMath.softplus(-beta * h), dLdh, -dLdh)
    }

    /// DiscoPOP's loss at x = βh and its derivative in x (returned twice, as ∂/∂x and −∂/∂x, for the
    /// caller to scale): softplus(−x)(1 − m) + e^{−x}m with m = σ(x/τ).
    ///
    /// e^{−x}m is evaluated as exp(−x + log σ(x/τ)): for τ ≤ 1 that exponent is at most 0, where e^{−x}
    /// alone would overflow as x → −∞.
    private static func discopop(x: Double, tau: Double) -> (Double, Double, Double) {
        let m = StableMath.sigmoid(x / tau)
        let sp = StableMath.softplus(-x)
        let expPart = exp(-x + StableMath.logSigmoid(x / tau))
        // m' = σ(x/τ)σ(−x/τ)/τ, so e^{−x}m' = e^{−x}m·σ(−x/τ)/τ.
        let dm = m * StableMath.sigmoid(-x / tau) / tau
        let value = sp * (1 - m) + expPart
        let slope = -StableMath.sigmoid(-x) * (1 - m) - sp * dm - expPart + expPart * StableMath.sigmoid(-x / tau) / tau
        return (value, slope, -slope)
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
