import Foundation
import Testing
@testable import DPOPTrainer

/// LD-DPO's `ld_alpha`: the trainer weighs the tokens beyond the shared length by α in the mask, so the
/// sequence log-probs are shared + α·tail and each tail token gets α times the sequence's gradient.
@Suite struct LDWeightingTests {
    /// Pairs whose chosen and rejected completions differ in length (resampled wrong solutions).
    static func prepared(_ n: Int) throws -> [PreparedPair] {
        let pairs = try PreferenceTrainingTests.pairs(40, mix: "resample", seed: 11).map { PreparedPair($0, buckets: nil) }
        let unequal = pairs.filter { $0.chosenLength != $0.rejectedLength }
        #expect(unequal.count >= n)
        return Array(unequal.prefix(n))
    }

    static func fill(_ pairs: [PreparedPair], alpha: Float, into batch: inout SequenceBatch) {
        let B = pairs.count
        batch.fill(pairs.map(\.chosen) + pairs.map(\.rejected))
        for (k, p) in pairs.enumerated() {
            batch.weighTargets(row: k, of: p.chosen, from: p.sharedLength, weight: alpha)
            batch.weighTargets(row: B + k, of: p.rejected, from: p.sharedLength, weight: alpha)
        }
    }

    @Test func theWeightedMaskSumsSharedPlusAlphaTail() throws {
        let model = try PreferenceTrainingTests.model(seed: 4, batch: 8)
        let pairs = try Self.prepared(4)
        let rows = pairs.map(\.chosen) + pairs.map(\.rejected)
        let plain = SequenceScorer.score(model, rows, keepTokens: true)
        let shared = (pairs + pairs).map(\.sharedLength)
        let tails = SequenceScorer.tails(plain.tokens, from: shared)
        for alpha in [Float(0), 0.3, 1] {
            var batch = SequenceBatch(maxBatch: 8, maxSequence: model.maxSequence)
            Self.fill(pairs, alpha: alpha, into: &batch)
            batch.forward(model)
            for r in rows.indices {
                let expected = PreferenceLossConfig(kind: .dpo, ldAlpha: Double(alpha)).ldWeighted(plain.sums[r], tail: tails[r])
                #expect(abs(Double(model.sequenceLogProbs[r]) - expected) < 1e-3, "row \(r) α \(alpha)")
            }
        }
        // Only the longer completion of a pair has a tail.
        for (r, t) in tails.enumerated() where rows[r].targetCount == shared[r] { #expect(t == 0) }
    }

    @Test func theGradientThroughTheModelMatchesFiniteDifferences() throws {
        let model = try PreferenceTrainingTests.model(seed: 5, batch: 4)
        let pairs = try Self.prepared(2)
        let loss = PreferenceLossConfig(kind: .dpo, beta: 0.5, ldAlpha: 0.4)
        var batch = SequenceBatch(maxBatch: 4, maxSequence: model.maxSequence)
        // The batch loss as the trainer computes it, from the weighted forward.
        func lossAndSeqGrads() -> (Double, [Float]) {
            Self.fill(pairs, alpha: Float(loss.ldAlpha), into: &batch)
            batch.forward(model)
            let logps = pairs.indices.map { k in
                PairLogProbs(pc: Double(model.sequenceLogProbs[k]), pr: Double(model.sequenceLogProbs[2 + k]),
                             rc: -20, rr: -25, nc: pairs[k].chosenLength, nr: pairs[k].rejectedLength)
            }
            let (value, grads) = loss.lossAndGradients(logps)
            return (value, grads.map { Float($0.dpc) } + grads.map { Float($0.dpr) })
        }
        let (_, dseq) = lossAndSeqGrads()
        model.zeroGradients()
        model.backward(dSequenceLogProbs: dseq)
        let n = model.layout.count
        let analytic = Array(UnsafeBufferPointer(start: model.gradients, count: n))
        var params = Array(UnsafeBufferPointer(start: model.parameters, count: n))
        // The largest gradients, where finite differences in Float are reliable.
        let indices = Array(analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(12))
        GradientCheck.expectMatches(&params, analytic: analytic, indices: indices, h: 1e-2, label: "ld_alpha dpo") { x in
            model.parameters.update(from: x, count: n)
            return lossAndSeqGrads().0
        }
    }

    @Test func aRunWithLDAlphaTrainsAndDiffersFromOne() throws {
        let pairs = try PreferenceTrainingTests.pairs(32, mix: "resample")
        let ld = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5, ldAlpha: 0.2), steps: 4)
        let plain = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 4)
        // One untrained reference for both (no SFT stage, to keep the test fast).
        let a = try PreferenceRun(config: ld, pairs: pairs, answerCheck: nil).run(reference: try PreferenceTrainingTests.model(seed: 9))
        let b = try PreferenceRun(config: plain, pairs: pairs, answerCheck: nil).run(reference: try PreferenceTrainingTests.model(seed: 9))
        #expect(a.allSatisfy { $0.eval.loss.isFinite })
        // Same reference and data; the weighted log-probs change the loss and what is learned.
        #expect(a.last!.eval.loss != b.last!.eval.loss)
        // logps/* stay the unweighted log-probs: at step 0 (policy = reference) they agree with the plain run.
        #expect(a.first!.eval.logpsChosen == b.first!.eval.logpsChosen)
    }
}
