import Foundation
import Testing
@testable import DPOPTrainer

/// A sequence's float32 numbers must not depend on the batch it is scored in: the reference scores
/// chosen-only and rejected-only batches, training runs chosen and rejected together, evaluation and
/// `dpop score` cut the list by their arena. At step 0 policy = reference, so any batch dependence
/// makes Δw = ±1 ulp and turns DPOP's penalty on (issue 11).
@Suite struct BatchInvarianceTests {
    /// The shipped experiments' width and head size. On the CPU this was written on (OpenBLAS 0.3.21,
    /// Cooperlake kernels) a product of a few rows took another kernel than the same rows among
    /// many, and q·kᵀ of a short sequence over T keys other floats than over its own n keys, so
    /// short sequences moved when batched or padded; other CPUs differ elsewhere.
    static let config = GPTConfig(vocabSize: 257, contextLength: 96, layers: 1, heads: 2, channels: 64)

    /// A small random model whose log-probs are far from uniform (GPT-2's init is nearly uniform).
    static func model(batch: Int, seed: UInt64 = 11, lmHead: LMHeadMode? = nil, maxRow: Int? = nil) throws -> GPTModel {
        let m = try GPTModel(config: config, maxBatch: batch, maxSequence: config.contextLength, maxRow: maxRow, lmHead: lmHead)
        var rng = SplitMix64(seed: seed)
        for i in 0..<m.parameterCount { m.parameters[i] = Float(rng.nextNormal() * 0.1) }
        for slot in [m.layout.ln1w, m.layout.ln2w, m.layout.lnfw] {
            for i in slot.offset..<(slot.offset + slot.count) { m.parameters[i] += 1 }
        }
        return m
    }

    /// What a sequence's forward gives: its summed and per-token target log-probs, and the logits and
    /// final hidden states (after the last LayerNorm) of its real positions.
    struct SequenceNumbers: Equatable {
        var sum: Float
        var tokens: [Float]
        var logits: [Float]
        var hidden: [Float]

        /// Positions where two results differ in any bit, by what differs, for the failure message.
        func differences(from other: SequenceNumbers) -> String {
            func count(_ a: [Float], _ b: [Float]) -> Int { zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count }
            return "sum \(sum) vs \(other.sum), tokens \(count(tokens, other.tokens))/\(tokens.count), "
                + "logits \(count(logits, other.logits))/\(logits.count), hidden \(count(hidden, other.hidden))/\(hidden.count)"
        }

        static func == (a: Self, b: Self) -> Bool {
            func same(_ x: [Float], _ y: [Float]) -> Bool { x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern } }
            return a.sum.bitPattern == b.sum.bitPattern && same(a.tokens, b.tokens) && same(a.logits, b.logits) && same(a.hidden, b.hidden)
        }
    }

    /// One forward of `batch` as `SequenceBatch` lays it out; the numbers of every sequence in it.
    static func forward(_ model: GPTModel, _ batch: [TrainingSequence]) -> [SequenceNumbers] {
        var rows = SequenceBatch(maxBatch: model.maxBatch, maxSequence: model.maxSequence)
        rows.fill(batch)
        rows.forward(model)
        let T = rows.T, V = model.config.vocabSize, C = model.config.channels
        return batch.enumerated().map { b, s in
            let n = s.positions
            return SequenceNumbers(
                sum: model.sequenceLogProbs[b],
                tokens: Array(UnsafeBufferPointer(start: model.tokenLogProbs + b * T, count: n)),
                logits: Array(UnsafeBufferPointer(start: model.logits + b * T * V, count: n * V)),
                hidden: Array(UnsafeBufferPointer(start: model.acts.lnf + b * T * C, count: n * C)))
        }
    }

    /// Pairs a few tokens long: on the CPU this was written on, the rows whose floats moved.
    static let shortPairs = [("2+3=", "5", "6"), ("7-4=", "3", "2"), ("1+1=", "2", "3"), ("9-9=", "0", "1"),
                             ("4*2=", "8", "6"), ("6/3=", "2", "3"), ("8-1=", "7", "9"), ("5+0=", "5", "50"),
                             ("3*3=", "9", "6"), ("1+2+3=", "6", "5"), ("12-2=", "10", "1"), ("0+7=", "7", "70")]
        .map { PreparedPair(PreferencePair(prompt: $0.0, chosen: $0.1, rejected: $0.2), buckets: nil) }

    static func longSequence(_ length: Int, seed: UInt64) -> TrainingSequence {
        var rng = SplitMix64(seed: seed)
        return TrainingSequence(tokens: (0..<length).map { _ in Int32(rng.next() % 256) }, firstTarget: length / 3)
    }

    @Test func aPairScoresTheSameAloneInABatchAtEveryPositionReversedAndPadded() throws {
        let model = try Self.model(batch: 16)
        let pairs = try [Self.shortPairs[0]] + PreferenceTrainingTests.pairs(12).map { PreparedPair($0, buckets: nil) }
        for pair in pairs.prefix(3) {
        let others = pairs.filter { $0.pair != pair.pair }.flatMap { [$0.chosen, $0.rejected] }
        for sequence in [pair.chosen, pair.rejected] {
            let alone = Self.forward(model, [sequence])[0]
            #expect(alone.tokens.contains { abs($0 + Foundation.log(257)) > 0.5 }, "the random model should not be near-uniform")
            for position in 0..<8 {
                var batch = Array(others.prefix(7))
                batch.insert(sequence, at: position)
                let inBatch = Self.forward(model, batch)[position], same = inBatch == alone
                #expect(same, "position \(position) of 8: \(inBatch.differences(from: alone))")
            }
            let reversed = Array((others.prefix(15) + [sequence]).reversed())
            let first = Self.forward(model, reversed)[0], same = first == alone
            #expect(same, "first of 16, reversed: \(first.differences(from: alone))")
            // Longer neighbours make T larger: more padding after the sequence, more rows in the batch.
            for extra in [1, 3, 8, 20, 40] where sequence.positions + extra < Self.config.contextLength {
                let n = sequence.positions + 1
                let padded = [Self.longSequence(n + extra, seed: 1), sequence, Self.longSequence(n + extra / 2, seed: 2)]
                let withPadding = Self.forward(model, padded)[1], same = withPadding == alone
                #expect(same, "\(extra) rows of padding: \(withPadding.differences(from: alone))")
            }
        }
        }
    }

    /// `SequenceScorer` (reference scoring, evaluation, `dpop score`) gives the same floats whatever
    /// the arena cuts the list into and in whatever order the list comes.
    /// Both LM heads: the chunked one cuts its chunks from each sequence's own first scored row.
    @Test(arguments: [LMHeadMode.wholeBatch, .chunked])
    func sequenceScorerIsIndependentOfArenaAndOrder(lmHead: LMHeadMode) throws {
        let pairs = try Self.shortPairs + PreferenceTrainingTests.pairs(16).map { PreparedPair($0, buckets: nil) }
        let sequences = pairs.flatMap { [$0.chosen, $0.rejected] }
        let small = try Self.model(batch: 1, lmHead: lmHead), large = try Self.model(batch: 16, lmHead: lmHead)
        let a = SequenceScorer.score(small, sequences, keepTokens: true)
        let b = SequenceScorer.score(large, sequences.reversed(), keepTokens: true)
        #expect(a.sums == Array(b.sums.reversed()))
        #expect(a.tokens == Array(b.tokens.reversed()))
    }

    /// Parameters after one preference step from policy = reference, with the reference's log-probs
    /// attached by a model whose arena differs from the policy's (one sequence at a time here; the
    /// reference cache's model, `dpop train --reference` and `dpop score` each have their own). With
    /// `shareTrunk`, the step, the reference and the evaluation use shared-trunk rows (the smallest arena
    /// that holds them, a pair's two rows, for the reference).
    static func parametersAfterOneStep(_ loss: PreferenceLossConfig, shareTrunk: Bool) throws -> (parameters: [Float], records: [EvalRecord]) {
        let maxRow = shareTrunk ? 2 * Self.config.contextLength : nil
        let reference = try Self.model(batch: shareTrunk ? 2 : 1, maxRow: maxRow)
        var train = try Self.shortPairs + PreferenceTrainingTests.pairs(12, mix: "step:0.5,resample:0.5").map { PreparedPair($0, buckets: nil) }
        var eval = try Self.shortPairs + PreferenceTrainingTests.pairs(6, mix: "step", seed: 9).map { PreparedPair($0, buckets: nil) }
        if shareTrunk {
            SequenceScorer.attachReferenceShared(reference, to: &train, tails: false)
            SequenceScorer.attachReferenceShared(reference, to: &eval, tails: false, keepTokens: true)
        } else {
            SequenceScorer.attachReference(reference, to: &train, keepTokens: false)
            SequenceScorer.attachReference(reference, to: &eval, keepTokens: true)
        }
        let config = PreferenceTrainConfig(steps: 1, batch: 24, lr: 1e-2, warmupSteps: 0, evalEvery: 1, seed: 4, taskEvalPairs: 0,
                                           shareTrunk: shareTrunk)
        let policy = try GPTModel(config: Self.config, maxBatch: 2 * config.batch, maxSequence: Self.config.contextLength, maxRow: maxRow)
        policy.copyParameters(from: reference)
        let evaluator = PreferenceEvaluator(pairs: eval, loss: loss, bucketNames: [], answerCheck: nil, taskPairs: 0, shareTrunk: shareTrunk)
        let records = try PreferenceTrainer(policy: policy, loss: loss, config: config).train(train, evaluator: evaluator)
        return (Array(UnsafeBufferPointer(start: policy.parameters, count: policy.parameterCount)), records)
    }

    @Test(arguments: [0.001, 50], DPOPPlacement.allCases)
    func aDPOPStepFromTheReferenceIsExactlyADPOStep(lambda: Double, placement: DPOPPlacement) throws {
        for shareTrunk in [true, false] {
            try Self.expectDPOPStepFromTheReferenceIsADPOStep(lambda: lambda, placement: placement, shareTrunk: shareTrunk)
        }
    }

    static func expectDPOPStepFromTheReferenceIsADPOStep(lambda: Double, placement: DPOPPlacement, shareTrunk: Bool) throws {
        let dpo = try Self.parametersAfterOneStep(PreferenceLossConfig(kind: .dpo, beta: 0.1), shareTrunk: shareTrunk)
        let dpop = try Self.parametersAfterOneStep(PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: lambda, placement: placement),
                                                   shareTrunk: shareTrunk)
        let differing = zip(dpo.parameters, dpop.parameters).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(dpo.parameters.count) parameters differ after one step (shareTrunk \(shareTrunk))")
        let initial = try Self.model(batch: 1)
        #expect(zip(dpo.parameters, UnsafeBufferPointer(start: initial.parameters, count: initial.parameterCount))
            .contains { $0 != $1 }, "the step must move the parameters")
    }

    /// At step 0 the policy is the reference: Δw = Δl = 0 on every pair, so no reward is positive, no
    /// chosen log-prob fell, and every pair's DPOP loss is softplus(0) = log 2; the mean is compared
    /// bitwise with the mean the loss computes (a sum of n copies of log 2, divided by n).
    @Test(arguments: DPOPPlacement.allCases, [true, false])
    func stepZeroMetricsAreExact(placement: DPOPPlacement, shareTrunk: Bool) throws {
        let (_, records) = try Self.parametersAfterOneStep(PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50, placement: placement),
                                                           shareTrunk: shareTrunk)
        let zero = records[0]
        #expect(zero.step == 0)
        for (name, m) in [("all", zero.eval)] + zero.buckets.map({ ($0.key, $0.value) }) {
            #expect(m.logpsChosenDelta == 0, "\(name)")
            #expect(m.logpsRejectedDelta == 0, "\(name)")
            #expect(m.rewardsAccuracies == 0, "\(name)")
            #expect(m.logpsChosenDecreased == 0, "\(name)")
            #expect(m.rewardsMargins == 0, "\(name)")
            #expect(m.logpsChosenDeltaPrefix == 0 && m.logpsChosenDeltaDiffering == 0 && m.logpsChosenDeltaSuffix == 0, "\(name)")
            let meanOfLog2 = (0..<m.n).reduce(0.0) { s, _ in s + Foundation.log(2.0) } / Double(m.n)
            #expect(m.loss == meanOfLog2, "\(name): loss \(m.loss)")
        }
        #expect(Foundation.log1p(1.0) == Foundation.log(2.0))
    }
}
