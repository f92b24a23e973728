import Foundation
import Testing
@testable import DPOPTrainer

/// The preference stage: scoring, the Δw split, greedy decoding, training determinism and direction.
@Suite struct PreferenceTrainingTests {
    static let config = GPTConfig(vocabSize: 257, contextLength: 96, layers: 2, heads: 2, channels: 16)

    static func pairs(_ n: Int = 60, mix: String = "step", seed: UInt64 = 3) throws -> [PreferencePair] {
        // Short one-step problems keep the debug-build tests fast.
        // The task generates at least 10 pairs; pair i does not depend on the count, so a prefix is the same pairs.
        Array(try ArithTask.generate(ArithTaskConfig(count: max(n, 10), steps: 1...1, maxNumber: 9,
                                                     corruption: try ArithCorruptionMix(parsing: mix), seed: seed,
                                                     maxContext: 96)).prefix(n))
    }

    static func model(seed: UInt64 = 1, batch: Int = 8) throws -> GPTModel {
        let m = try GPTModel(config: config, maxBatch: batch, maxSequence: config.contextLength)
        m.initializeGPT2(seed: seed)
        return m
    }

    @Test func sequenceScoresMatchTokenScorerAndSplitSumsToDelta() throws {
        let model = try Self.model()
        let prepared = try Self.pairs(12).map { PreparedPair($0, buckets: nil) }
        let scored = SequenceScorer.score(model, prepared.map(\.chosen), keepTokens: true)
        for (i, p) in prepared.enumerated() {
            let all = TokenScorer.logProbs(model, tokens: p.chosen.tokens)
            let completion = all[(p.chosen.firstTarget - 1)...].reduce(0, +)
            #expect(abs(Double(completion) - scored.sums[i]) < 1e-3)
            #expect(scored.tokens[i].count == p.chosenLength)
        }
        // With a different "policy", prefix + differing + suffix must add up to Δw.
        var withRef = prepared
        SequenceScorer.attachReference(model, to: &withRef, keepTokens: true)
        let policy = try Self.model(seed: 2)
        let chosen = SequenceScorer.score(policy, withRef.map(\.chosen), keepTokens: true)
        let rejected = SequenceScorer.score(policy, withRef.map(\.rejected))
        let m = PreferenceMetrics.compute(pairs: withRef, policyChosen: chosen.sums, policyRejected: rejected.sums,
                                          policyChosenTokens: chosen.tokens, loss: PreferenceLossConfig(kind: .dpo))
        let split = m.logpsChosenDeltaPrefix + m.logpsChosenDeltaDiffering + m.logpsChosenDeltaSuffix
        #expect(abs(split - m.logpsChosenDelta) < 1e-3)
        #expect(abs(m.rewardsMargins - (m.rewardsChosen - m.rewardsRejected)) < 1e-9)
        #expect(abs(m.rewardsChosen - 0.1 * m.logpsChosenDelta) < 1e-9)
    }

    @Test func hintedGreedyDecodingEqualsPlainGreedy() throws {
        let model = try Self.model(seed: 4)
        let pairs = try Self.pairs(6)
        let prompts = pairs.map(\.promptTokens)
        let plain = GreedyDecoder.complete(model, prompts: prompts, maxNewTokens: 12)
        let hinted = GreedyDecoder.complete(model, prompts: prompts, hints: pairs.map(\.chosenTokens), maxNewTokens: 12)
        #expect(plain == hinted)
        // A hint that is the model's own greedy output is kept whole.
        let selfHinted = GreedyDecoder.complete(model, prompts: prompts, hints: plain, maxNewTokens: 12)
        #expect(selfHinted == plain)
    }

    static func runConfig(loss: PreferenceLossConfig, steps: Int = 30) -> PreferenceRunConfig {
        PreferenceRunConfig(model: config, sft: SFTConfig(steps: 40, batch: 8, lr: 3e-3, warmupSteps: 4, seed: 1),
                            train: PreferenceTrainConfig(steps: steps, batch: 4, lr: 3e-3, warmupSteps: 0, evalEvery: 10, seed: 2,
                                                         taskEvalPairs: 4),
                            loss: loss, evalFraction: 0.25, splitSeed: 5, buckets: ["low=1..3", "high=4..inf"])
    }

    @Test func preferenceRunIsDeterministicAndLearnsThePreference() throws {
        let pairs = try Self.pairs(48, mix: "step:0.5,resample:0.5")
        let config = Self.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5))
        let a = try PreferenceRun(config: config, pairs: pairs, answerCheck: AnswerCheck.arith).run()
        let b = try PreferenceRun(config: config, pairs: pairs, answerCheck: AnswerCheck.arith).run()
        func timeless(_ records: [EvalRecord]) -> [EvalRecord] { records.map { var r = $0; r.elapsed = 0; return r } }
        #expect(timeless(a) == timeless(b))
        #expect(a.map(\.step) == [0, 10, 20, 30])
        #expect(a[0].eval.logpsChosenDelta == 0 && a[0].eval.loss == Foundation.log(2.0))
        #expect(a.last!.eval.rewardsMargins > 0)
        #expect(Set(a.last!.buckets.keys) == ["low", "high"])
        #expect(a.last!.eval.taskAccuracy != nil)
    }

    @Test func dpopKeepsTheChosenLikelihoodWhereDPOLowersIt() throws {
        // A strong, fast version of the paper's effect on tiny models: same reference, same batches.
        let pairs = try Self.pairs(48, mix: "step")
        let steps = 40
        let dpo = try PreferenceRun(config: Self.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: steps), pairs: pairs).run()
        let dpop = try PreferenceRun(config: Self.runConfig(loss: PreferenceLossConfig(kind: .dpop, beta: 0.5, lambda: 50), steps: steps),
                                     pairs: pairs).run()
        #expect(dpo.last!.eval.logpsChosenDelta < dpop.last!.eval.logpsChosenDelta)
        #expect(dpop.last!.eval.logpsChosenDelta > -0.5)
    }

    /// `--batch` beyond the training split trains on the whole split each step, and no arena is
    /// sized by the flag (`--batch 100000` on 50 pairs tried to allocate 230 GB): the run's models
    /// are sized by the pairs, and an arena holds only the rows of the batches actually run.
    @Test func aBatchLargerThanTheSplitIsSizedByThePairs() throws {
        let pairs = try Self.pairs(16)
        var huge = Self.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 2)
        huge.sft.batch = 100_000
        huge.train.batch = 100_000
        let split = pairs.split(evalFraction: huge.evalFraction, seed: huge.splitSeed).train.count
        var exact = huge
        exact.sft.batch = split
        exact.train.batch = split
        let a = try PreferenceRun(config: huge, pairs: pairs).run().map { var r = $0; r.elapsed = 0; return r }
        let b = try PreferenceRun(config: exact, pairs: pairs).run().map { var r = $0; r.elapsed = 0; return r }
        #expect(a.count == 2 && a.last!.eval.loss != a.first!.eval.loss)
        #expect(a == b)
        let model = try GPTModel(config: Self.config, maxBatch: 100_000, maxSequence: Self.config.contextLength)
        let scored = SequenceScorer.score(model, pairs.map { PreparedPair($0, buckets: nil).chosen })
        #expect(scored.sums.count == 16)
        #expect(model.acts.maxBatch == 16)
    }

    @Test func pairLineNumbersSkipBlankLines() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-lines-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let pair = #"{"prompt":"p","chosen":"a","rejected":"b"}"#
        try Data("\u{FEFF}\(pair)\n\n  \r\n\(pair)\r\n\(pair)".utf8).write(to: url)
        #expect(try PairsLoader.loadNumbered(path: url.path).lines == [1, 4, 5])
    }

    @Test func pairScorerLossMatchesTheLossFormula() throws {
        let model = try Self.model(seed: 6), reference = try Self.model(seed: 7)
        let pairs = try Self.pairs(5)
        let loss = PreferenceLossConfig(kind: .dpop, beta: 0.2, lambda: 5)
        let scores = PairScorer.score(pairs: pairs, lines: [1, 2, 3, 4, 5], model: model, reference: reference, loss: loss)
        for (s, pair) in zip(scores, pairs) {
            let p = PairLogProbs(pc: s.logp_chosen, pr: s.logp_rejected, rc: s.ref_logp_chosen!, rr: s.ref_logp_rejected!,
                                 nc: pair.chosenTokens.count, nr: pair.rejectedTokens.count)
            let h = p.chosenDelta - p.rejectedDelta - 5 * max(0, -p.chosenDelta)
            #expect(abs(s.loss! - Foundation.log(1 + Foundation.exp(-0.2 * h))) < 1e-9)
            #expect(s.edit_distance == pair.editDistance)
        }
    }
}
