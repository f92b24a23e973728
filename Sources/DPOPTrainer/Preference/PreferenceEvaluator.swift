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

    public init(pairs: [PreparedPair], loss: PreferenceLossConfig, bucketNames: [String],
                answerCheck: ((PreferencePair, String) -> Bool?)?, taskPairs: Int = 64,
                tokenizer: any Tokenizer = ByteTokenizer()) {
        self.pairs = pairs
        self.loss = loss
        self.bucketNames = bucketNames
        self.answerCheck = answerCheck
        self.taskPairs = taskPairs
        self.tokenizer = tokenizer
    }

    /// Metrics of `policy`; greedy decoding for `task/accuracy` only when `withTask`. `progress` (steps done /
    /// total) sets a scheduled loss parameter (DPO-Shift's λ_s) to its value at this step.
    public func evaluate(_ policy: GPTModel, step: Int, trainLoss: Double?, elapsed: Double, withTask: Bool,
                         progress: Double = 0) -> EvalRecord {
        let loss = self.loss.scheduled(progress: progress)
        let chosen = SequenceScorer.score(policy, pairs.map(\.chosen), keepTokens: true)
        let rejected = SequenceScorer.score(policy, pairs.map(\.rejected), keepTokens: loss.weighsTails)
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
                let outputs = GreedyDecoder.complete(policy, prompts: picked.map { pairs[$0].promptTokens },
                                                     hints: picked.map { pairs[$0].chosenTokens }, endOfText: tokenizer.endOfText)
                for (k, i) in picked.enumerated() {
                    // The text before end-of-text (the byte decoder stops there; a BPE decoder would spell it).
                    let text = outputs[k].prefix { $0 != tokenizer.endOfText }
                    correct[i] = answerCheck(pairs[i].pair, tokenizer.decode(Array(text)))
                }
            }
        }
        func metrics(_ indices: [Int]) -> PreferenceMetrics {
            var m = PreferenceMetrics.compute(pairs: indices.map { pairs[$0] },
                                              policyChosen: indices.map { chosen.sums[$0] },
                                              policyRejected: indices.map { rejected.sums[$0] },
                                              policyChosenTokens: indices.map { chosen.tokens[$0] }, loss: loss,
                                              policyTails: tails.map { t in indices.map { t[$0] } })
            let checked = indices.compactMap { correct[$0] }
            if !checked.isEmpty { m.taskAccuracy = Double(checked.filter { $0 }.count) / Double(checked.count) }
            return m
        }
        var buckets: [String: PreferenceMetrics] = [:]
        for name in bucketNames {
            let members = pairs.indices.filter { pairs[$0].bucket == name }
            if !members.isEmpty { buckets[name] = metrics(members) }
        }
        return EvalRecord(step: step, trainLoss: trainLoss, eval: metrics(Array(pairs.indices)), buckets: buckets, elapsed: elapsed)
    }
}
