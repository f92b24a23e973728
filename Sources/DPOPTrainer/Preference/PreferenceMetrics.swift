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
    /// `taskAccuracy` minus the reference's on the same problems (the policy at step 0 is the reference).
    public var taskAccuracyDelta: Double?
    /// 95% Wilson interval of `taskAccuracy` over the problems decoded.
    public var taskAccuracyLow: Double?
    public var taskAccuracyHigh: Double?
    /// Squeezing (`SqueezeStatistics`): mean over pairs of the policy's mean largest next-token probability
    /// and mean next-token entropy at the chosen completion's positions (nil in records written before them).
    public var squeezeArgmaxProbability: Double? = nil
    public var squeezeEntropy: Double? = nil
    /// Mean and standard deviation of the gradient-entanglement cosines (`GradientEntanglement`) of the
    /// sampled pairs among these; nil when none was sampled.
    public var entanglementCosine: Double? = nil
    public var entanglementCosineSD: Double? = nil
    /// Mean Δ log-prob per token around the first difference (`DisplacementProfile`); nil when off.
    public var displacementProfile: DisplacementProfile? = nil

    /// Metric names in report order (`MetricDescriptor.eval`).
    public static var names: [String] { MetricDescriptor.eval.map(\.name) }

    /// Value of a metric by its JSON name (`n` too).
    public func value(_ name: String) -> Double? {
        if name == Self.countKey { return Double(n) }
        return MetricDescriptor.eval.first { $0.name == name }?.value(in: self)
    }

    /// The JSON key of `n`, the number of pairs.
    static let countKey = "n"
    /// The JSON key of the displacement profile's nested object.
    public static let profileKey = "displacement/profile"

    /// Every metric 0 (task accuracy unmeasured) over `n` pairs.
    static func zero(n: Int) -> PreferenceMetrics {
        PreferenceMetrics(n: n, loss: 0, rewardsChosen: 0, rewardsRejected: 0, rewardsMargins: 0,
                          rewardsAccuracies: 0, logpsChosen: 0, logpsRejected: 0, logpsChosenDelta: 0,
                          logpsRejectedDelta: 0, logpsChosenDecreased: 0, logpsChosenDeltaPrefix: 0,
                          logpsChosenDeltaDiffering: 0, logpsChosenDeltaSuffix: 0, taskAccuracy: nil,
                          taskAccuracyDelta: nil, taskAccuracyLow: nil, taskAccuracyHigh: nil)
    }

    /// A JSON key named by a string (metric names contain `/`).
    struct MetricKey: CodingKey {
        var stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Aggregates per-pair policy log-probs of `pairs` (same order) under `loss`.
    /// `policyChosenTokens[i]` are the policy's per-token log-probs of pair i's chosen completion.
    /// With LD-DPO's weighting (`loss.weighsTails`), `policyTails[i]` are the policy's chosen and rejected
    /// tail log-probs: `loss` and `rewards/*` see the weighted log-probs, as the loss does; `logps/*` do not.
    public static func compute(pairs: [PreparedPair], policyChosen: [Double], policyRejected: [Double],
                               policyChosenTokens: [[Float]], loss: PreferenceLossConfig,
                               policyTails: [(Double, Double)]? = nil) -> PreferenceMetrics {
        let n = pairs.count
        var m = PreferenceMetrics.zero(n: n)
        guard n > 0 else { return m }
        let logps = pairs.indices.map { i in
            PairLogProbs(pc: policyChosen[i], pr: policyRejected[i], rc: pairs[i].referenceChosen,
                         rr: pairs[i].referenceRejected, nc: pairs[i].chosenLength, nr: pairs[i].rejectedLength)
        }
        let weighted = policyTails.map { tails in
            logps.indices.map { i in
                loss.ldWeighted(logps[i], chosenTail: tails[i].0, rejectedTail: tails[i].1,
                                referenceChosenTail: pairs[i].referenceChosenTail, referenceRejectedTail: pairs[i].referenceRejectedTail)
            }
        } ?? logps
        m.loss = loss.lossAndGradients(weighted).loss
        for (i, p) in logps.enumerated() {
            let rewards = loss.implicitRewards(weighted[i])
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

extension PreferenceMetrics {
    /// JSON keys as `MetricDescriptor` names them (TRL's spelling), after `n`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetricKey.self)
        try c.encode(n, forKey: MetricKey(Self.countKey))
        for metric in MetricDescriptor.eval {
            switch metric.field {
            case .required(let path): try c.encode(self[keyPath: path], forKey: MetricKey(metric.name))
            case .optional(let path): try c.encodeIfPresent(self[keyPath: path], forKey: MetricKey(metric.name))
            case nil: break
            }
        }
        try c.encodeIfPresent(displacementProfile, forKey: MetricKey(Self.profileKey))
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: MetricKey.self)
        self = PreferenceMetrics.zero(n: try c.decode(Int.self, forKey: MetricKey(Self.countKey)))
        for metric in MetricDescriptor.eval {
            switch metric.field {
            case .required(let path): self[keyPath: path] = try c.decode(Double.self, forKey: MetricKey(metric.name))
            case .optional(let path): self[keyPath: path] = try c.decodeIfPresent(Double.self, forKey: MetricKey(metric.name))
            case nil: break
            }
        }
        displacementProfile = try c.decodeIfPresent(DisplacementProfile.self, forKey: MetricKey(Self.profileKey))
    }
}
