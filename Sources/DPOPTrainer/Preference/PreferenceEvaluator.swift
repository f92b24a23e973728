import Foundation

/// Computes `PreferenceMetrics` for a policy on eval pairs, overall and per bucket.
public struct PreferenceEvaluator {
    public let pairs: [PreparedPair]
    public let loss: PreferenceLossConfig
    /// Bucket names in report order (pairs without a bucket count only overall).
    public let bucketNames: [String]
    /// Checks a greedy completion of a pair; nil when the pair has no checkable answer.
    public let answerCheck: ((PreferencePair, String) -> Bool?)?
    /// At most this many pairs are decoded for `task/accuracy`.
    public let taskPairs: Int
    /// The model's tokenizer: decodes greedy completions for `answerCheck`.
    public let tokenizer: any Tokenizer
    /// K of the displacement profile (0: none). It needs both completions' reference per-token log-probs
    /// on the pairs (`SequenceScorer.attachReference(..., keepTokens: true)`); pairs without them are left out.
    public let profileRadius: Int
    /// The first this many pairs get their gradient entanglement measured (0: none).
    public let entanglementPairs: Int
    /// Whether the policy's log-probs (and the squeezing signals) come from shared-trunk rows
    /// (`train.share_trunk`); the pairs' reference log-probs must then come from the same layout
    /// (`SequenceScorer.attachReferenceShared`), so that policy = reference gives Δ = 0 exactly.
    public let shareTrunk: Bool
    /// Told how long each evaluation's greedy decoding and gradient entanglement took.
    public var log: (String) -> Void = { _ in }

    public init(pairs: [PreparedPair], loss: PreferenceLossConfig, bucketNames: [String],
                answerCheck: ((PreferencePair, String) -> Bool?)?, taskPairs: Int = 64,
                tokenizer: any Tokenizer = ByteTokenizer(),
                profileRadius: Int = PreferenceTrainConfig.Settings.profileRadius.defaultValue,
                entanglementPairs: Int = PreferenceTrainConfig.Settings.entanglementPairs.defaultValue,
                shareTrunk: Bool = false) {
        self.pairs = pairs
        self.loss = loss
        self.bucketNames = bucketNames
        self.answerCheck = answerCheck
        self.taskPairs = taskPairs
        self.tokenizer = tokenizer
        self.profileRadius = profileRadius
        self.entanglementPairs = entanglementPairs
        self.shareTrunk = shareTrunk
    }

    /// Metrics of `policy`; greedy decoding for `task/accuracy` (with its 95% Wilson interval) only
    /// when `withTask`, and `task/accuracy_delta` against `reference`, the step-0 record (0 when nil).
    /// `progress` (steps done / total) sets a scheduled loss parameter (DPO-Shift's λ_s) to its value at this step.
    public func evaluate(_ policy: GPTModel, step: Int, trainLoss: Double?, elapsed: Double, withTask: Bool,
                         progress: Double = 0, reference: EvalRecord? = nil) -> EvalRecord {
        let loss = self.loss.scheduled(progress: progress)
        // The squeezing signals read the logits of the chosen rows' forward, so they cost no extra forward.
        let chosenRows = pairs.map(\.chosen)
        var squeeze = [SqueezeStatistics](repeating: SqueezeStatistics(argmaxProbability: 0, entropy: 0), count: pairs.count)
        let profiled = profileRadius > 0
        let chosen: (sums: [Double], tokens: [[Float]]), rejected: (sums: [Double], tokens: [[Float]])
        if shareTrunk {
            // The rows that predict a chosen token are the trunk's and the chosen tail's: the same positions,
            // hence the same squeezing signals, as the separate chosen row's.
            var argmax = [Double](repeating: 0, count: pairs.count), entropy = argmax, count = argmax
            (chosen, rejected) = SequenceScorer.scorePairs(policy, pairs.map { (chosen: $0.chosen, rejected: $0.rejected) },
                                                           keepTokens: true) { i, row in
                let (p, h) = SqueezeStatistics.argmaxProbabilityAndEntropy(policy.logits(row: row), V: policy.config.vocabSize)
                argmax[i] += p
                entropy[i] += h
                count[i] += 1
            }
            for i in pairs.indices {
                squeeze[i] = SqueezeStatistics(argmaxProbability: argmax[i] / max(1, count[i]), entropy: entropy[i] / max(1, count[i]))
            }
        } else {
            chosen = SequenceScorer.score(policy, chosenRows, keepTokens: true) { i, row, T in
                squeeze[i] = SqueezeStatistics(policy, row: row, T: T, sequence: chosenRows[i])
            }
            rejected = SequenceScorer.score(policy, pairs.map(\.rejected), keepTokens: loss.weighsTails || profiled)
        }
        // Gradient entanglement on a fixed sample, the first pairs (the eval split's order is fixed by its seed).
        var cosines: [Double?] = Array(repeating: nil, count: pairs.count)
        var sampled: [Double]?
        if entanglementPairs > 0 {
            let sample = Array(pairs.prefix(entanglementPairs))
            let started = DispatchTime.now().uptimeNanoseconds
            let values = GradientEntanglement.cosines(policy, sample)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            for (i, c) in values.enumerated() { cosines[i] = c }
            sampled = values
            log(String(format: "entanglement eval step %d: %d pairs (two backward passes each) in %.2f s (%.1f ms each)",
                       step, sample.count, seconds, 1000 * seconds / Double(max(1, sample.count))))
        }
        // LD-DPO: the policy's tail log-probs, for the loss and rewards (the logps/* metrics stay unweighted).
        let shared = pairs.map(\.sharedLength)
        let tails = loss.weighsTails
            ? Array(zip(SequenceScorer.tails(chosen.tokens, from: shared), SequenceScorer.tails(rejected.tokens, from: shared)))
            : nil
        var correct: [Bool?] = Array(repeating: nil, count: pairs.count)
        if withTask, let answerCheck {
            let checkable = pairs.indices.filter { answerCheck(pairs[$0].pair, pairs[$0].pair.chosen) != nil }.prefix(taskPairs)
            let picked = Array(checkable)
            if !picked.isEmpty {
                let started = DispatchTime.now().uptimeNanoseconds
                let outputs = GreedyDecoder.complete(policy, prompts: picked.map { pairs[$0].promptTokens },
                                                     hints: picked.map { pairs[$0].chosenTokens }, endOfText: tokenizer.endOfText)
                for (k, i) in picked.enumerated() {
                    // The text before end-of-text (the byte decoder stops there; a BPE decoder would spell it).
                    let text = outputs[k].prefix { $0 != tokenizer.endOfText }
                    correct[i] = answerCheck(pairs[i].pair, tokenizer.decode(Array(text)))
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                log(String(format: "task eval step %d: %d problems decoded in %.2f s (%.1f ms each)",
                           step, picked.count, seconds, 1000 * seconds / Double(picked.count)))
            }
        }
        func metrics(_ indices: [Int], reference: PreferenceMetrics?) -> PreferenceMetrics {
            var m = PreferenceMetrics.compute(pairs: indices.map { pairs[$0] },
                                              policyChosen: indices.map { chosen.sums[$0] },
                                              policyRejected: indices.map { rejected.sums[$0] },
                                              policyChosenTokens: indices.map { chosen.tokens[$0] }, loss: loss,
                                              policyTails: tails.map { t in indices.map { t[$0] } })
            let checked = indices.compactMap { correct[$0] }
            if !checked.isEmpty {
                let solved = checked.filter { $0 }.count
                let accuracy = Double(solved) / Double(checked.count)
                let interval = WilsonInterval(successes: solved, trials: checked.count)
                m.taskAccuracy = accuracy
                m.taskAccuracyLow = interval.low
                m.taskAccuracyHigh = interval.high
                m.taskAccuracyDelta = accuracy - (reference?.taskAccuracy ?? accuracy)
            }
            if let s = SqueezeStatistics.mean(indices.map { squeeze[$0] }) {
                m.squeezeArgmaxProbability = s.argmaxProbability
                m.squeezeEntropy = s.entropy
            }
            let entangled = indices.compactMap { cosines[$0] }
            if !entangled.isEmpty {
                let mean = entangled.reduce(0, +) / Double(entangled.count)
                m.entanglementCosine = mean
                // Population sd: the sample is the whole set these pairs' cosines describe.
                m.entanglementCosineSD = (entangled.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(entangled.count)).squareRoot()
            }
            if profiled {
                let members = indices.filter {
                    pairs[$0].referenceChosenTokens.count == chosen.tokens[$0].count
                        && pairs[$0].referenceRejectedTokens.count == rejected.tokens[$0].count
                }
                m.displacementProfile = DisplacementProfile(radius: profileRadius, pairs: members.map { i in
                    DisplacementProfile.Tokens(firstDifference: pairs[i].alignment.firstDifference,
                                               policyChosen: chosen.tokens[i], referenceChosen: pairs[i].referenceChosenTokens,
                                               policyRejected: rejected.tokens[i], referenceRejected: pairs[i].referenceRejectedTokens)
                })
            }
            return m
        }
        var buckets: [String: PreferenceMetrics] = [:]
        for name in bucketNames {
            let members = pairs.indices.filter { pairs[$0].bucket == name }
            if !members.isEmpty { buckets[name] = metrics(members, reference: reference?.buckets[name]) }
        }
        return EvalRecord(step: step, trainLoss: trainLoss, eval: metrics(Array(pairs.indices), reference: reference?.eval),
                          buckets: buckets, elapsed: elapsed, entanglementCosines: sampled)
    }
}
