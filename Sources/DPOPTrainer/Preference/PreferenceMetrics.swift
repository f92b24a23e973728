import Foundation

/// The eval metrics of one step over a set of pairs, named as TRL names them plus dpop's own.
public struct PreferenceMetrics: Codable, Equatable, Sendable {
    public var n: Int
    public var loss: Double
    public var rewardsChosen: Double
    public var rewardsRejected: Double
    public var rewardsMargins: Double
    public var rewardsAccuracies: Double
    public var logpsChosen: Double
    public var logpsRejected: Double
    /// Mean Δw = log π(y_w) − log π_ref(y_w): negative is DPO's failure mode.
    public var logpsChosenDelta: Double
    /// Mean Δl.
    public var logpsRejectedDelta: Double
    /// Share of pairs whose Δw < 0.
    public var logpsChosenDecreased: Double
    /// Δw split over the chosen tokens before, inside and after the span where chosen and rejected differ.
    public var logpsChosenDeltaPrefix: Double
    public var logpsChosenDeltaDiffering: Double
    public var logpsChosenDeltaSuffix: Double
    /// Share of prompts whose greedy completion has the right final answer (nil when not measured).
    public var taskAccuracy: Double?

    /// JSON keys as TRL spells them.
    enum CodingKeys: String, CodingKey {
        case n, loss
        case rewardsChosen = "rewards/chosen"
        case rewardsRejected = "rewards/rejected"
        case rewardsMargins = "rewards/margins"
        case rewardsAccuracies = "rewards/accuracies"
        case logpsChosen = "logps/chosen"
        case logpsRejected = "logps/rejected"
        case logpsChosenDelta = "logps/chosen_delta"
        case logpsRejectedDelta = "logps/rejected_delta"
        case logpsChosenDecreased = "logps/chosen_decreased"
        case logpsChosenDeltaPrefix = "logps/chosen_delta_prefix"
        case logpsChosenDeltaDiffering = "logps/chosen_delta_differing"
        case logpsChosenDeltaSuffix = "logps/chosen_delta_suffix"
        case taskAccuracy = "task/accuracy"
    }

    /// Metric names in report order.
    public static let names: [String] = [
        "loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
        "logps/chosen", "logps/rejected", "logps/chosen_delta", "logps/rejected_delta", "logps/chosen_decreased",
        "logps/chosen_delta_prefix", "logps/chosen_delta_differing", "logps/chosen_delta_suffix", "task/accuracy",
    ]

    /// Value of a metric by its JSON name.
    public func value(_ name: String) -> Double? {
        switch name {
        case "n": return Double(n)
        case "loss": return loss
        case "rewards/chosen": return rewardsChosen
        case "rewards/rejected": return rewardsRejected
        case "rewards/margins": return rewardsMargins
        case "rewards/accuracies": return rewardsAccuracies
        case "logps/chosen": return logpsChosen
        case "logps/rejected": return logpsRejected
        case "logps/chosen_delta": return logpsChosenDelta
        case "logps/rejected_delta": return logpsRejectedDelta
        case "logps/chosen_decreased": return logpsChosenDecreased
        case "logps/chosen_delta_prefix": return logpsChosenDeltaPrefix
        case "logps/chosen_delta_differing": return logpsChosenDeltaDiffering
        case "logps/chosen_delta_suffix": return logpsChosenDeltaSuffix
        case "task/accuracy": return taskAccuracy
        default: return nil
        }
    }

    /// Aggregates per-pair policy log-probs of `pairs` (same order) under `loss`.
    /// `policyChosenTokens[i]` are the policy's per-token log-probs of pair i's chosen completion.
    public static func compute(pairs: [PreparedPair], policyChosen: [Double], policyRejected: [Double],
                               policyChosenTokens: [[Float]], loss: PreferenceLossConfig) -> PreferenceMetrics {
        let n = pairs.count
        var m = PreferenceMetrics(n: n, loss: 0, rewardsChosen: 0, rewardsRejected: 0, rewardsMargins: 0,
                                  rewardsAccuracies: 0, logpsChosen: 0, logpsRejected: 0, logpsChosenDelta: 0,
                                  logpsRejectedDelta: 0, logpsChosenDecreased: 0, logpsChosenDeltaPrefix: 0,
                                  logpsChosenDeltaDiffering: 0, logpsChosenDeltaSuffix: 0, taskAccuracy: nil)
        guard n > 0 else { return m }
        let logps = pairs.indices.map { i in
            PairLogProbs(pc: policyChosen[i], pr: policyRejected[i], rc: pairs[i].referenceChosen,
                         rr: pairs[i].referenceRejected, nc: pairs[i].chosenLength, nr: pairs[i].rejectedLength)
        }
        m.loss = loss.lossAndGradients(logps).loss
        for (i, p) in logps.enumerated() {
            let rewards = loss.implicitRewards(p)
            m.rewardsChosen += rewards.chosen
            m.rewardsRejected += rewards.rejected
            m.rewardsAccuracies += p.chosenDelta > p.rejectedDelta ? 1 : 0
            m.logpsChosen += p.pc
            m.logpsRejected += p.pr
            m.logpsChosenDelta += p.chosenDelta
            m.logpsRejectedDelta += p.rejectedDelta
            m.logpsChosenDecreased += p.chosenDelta < 0 ? 1 : 0
            let ref = pairs[i].referenceChosenTokens, pol = policyChosenTokens[i]
            if ref.count == pol.count {
                let a = pairs[i].alignment
                for t in 0..<pol.count {
                    let d = Double(pol[t]) - Double(ref[t])
                    if t < a.commonPrefix { m.logpsChosenDeltaPrefix += d }
                    else if t < a.differingRangeA.upperBound { m.logpsChosenDeltaDiffering += d }
                    else { m.logpsChosenDeltaSuffix += d }
                }
            }
        }
        let k = Double(n)
        m.rewardsChosen /= k; m.rewardsRejected /= k
        m.rewardsMargins = m.rewardsChosen - m.rewardsRejected
        m.rewardsAccuracies /= k; m.logpsChosen /= k; m.logpsRejected /= k
        m.logpsChosenDelta /= k; m.logpsRejectedDelta /= k; m.logpsChosenDecreased /= k
        m.logpsChosenDeltaPrefix /= k; m.logpsChosenDeltaDiffering /= k; m.logpsChosenDeltaSuffix /= k
        return m
    }
}
