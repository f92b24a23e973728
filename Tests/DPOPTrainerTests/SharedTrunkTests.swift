import Foundation
import Testing
@testable import DPOPTrainer

/// The shared-trunk row layout: every scored target sees exactly its own sequence's prefix.
struct SharedTrunkTests {
    /// The tokens and positions logit row `row` can attend to under `layout`'s segment mask.
    static func context(_ layout: RowLayout, row: Int) -> ([Int32], [Int32]) {
        let seg = layout.segments.first { $0.start <= row && row < $0.end }!
        let visible = Array(seg.parent) + Array(seg.start...row)
        return (visible.map { layout.tokens[$0] }, visible.map { layout.positions[$0] })
    }

    /// Each sequence's targets, in order, with the context each sees, equal the separate layout's.
    static func expectSameTargets(_ c: TrainingSequence, _ r: TrainingSequence) {
        let shared = RowLayout.sharedTrunk(chosen: c, rejected: r)
        for (index, s) in [c, r].enumerated() {
            let mine = shared.targets.filter { $0.sequence == index }
            let alone = RowLayout.single(s).targets
            #expect(mine.count == alone.count)
            for (a, b) in zip(mine, alone) {
                #expect(a.token == b.token)
                let (tokens, positions) = context(shared, row: a.row)
                #expect(tokens == Array(s.tokens[0...b.row]))
                #expect(positions == (0...b.row).map { Int32($0) })
            }
        }
    }

    @Test func commonPrefixShared() {
        let c = TrainingSequence(tokens: [1, 2, 3, 4, 5, 6, 0], firstTarget: 2)
        let r = TrainingSequence(tokens: [1, 2, 3, 4, 9, 6, 7, 0], firstTarget: 2)
        let layout = RowLayout.sharedTrunk(chosen: c, rejected: r)
        #expect(layout.segments.count == 3)
        #expect(layout.segments[0].end == 4)
        #expect(layout.count == 4 + 2 + 3)
        Self.expectSameTargets(c, r)
    }

    @Test func noCommonCompletionPrefix() {
        Self.expectSameTargets(TrainingSequence(tokens: [1, 2, 5, 6, 0], firstTarget: 2),
                               TrainingSequence(tokens: [1, 2, 7, 0], firstTarget: 2))
    }

    @Test func identicalUpToEndOfText() {
        let c = TrainingSequence(tokens: [1, 2, 5, 6, 0], firstTarget: 2)
        let layout = RowLayout.sharedTrunk(chosen: c, rejected: c)
        // Tails are just end-of-text: both final targets come from the trunk's last row, no tail segments.
        #expect(layout.segments.count == 1)
        #expect(layout.targets.filter { $0.row == layout.count - 1 }.count == 2)
        Self.expectSameTargets(c, c)
    }

    @Test func arithPairsOfEveryCorruption() throws {
        for mode in ArithCorruption.allCases {
            let pairs = try ArithTask.generate(ArithTaskConfig(count: 10, corruption: ArithCorruptionMix(only: mode), seed: 3))
            for p in pairs {
                let prepared = PreparedPair(p, buckets: nil)
                Self.expectSameTargets(prepared.chosen, prepared.rejected)
            }
        }
    }

    // MARK: - The model on shared-trunk rows against the separate-sequence path

    static let config = GPTConfig(vocabSize: 257, contextLength: 160, layers: 2, heads: 2, channels: 32)

    /// A small random model whose log-probs are far from uniform.
    static func model(rows: Int, lmHead: LMHeadMode? = nil, maxSequence: Int? = nil, maxRow: Int? = nil) throws -> GPTModel {
        let m = try GPTModel(config: config, maxBatch: rows, maxSequence: maxSequence ?? config.contextLength, maxRow: maxRow,
                             lmHead: lmHead)
        var rng = SplitMix64(seed: 17)
        for i in 0..<m.parameterCount { m.parameters[i] = Float(rng.nextNormal() * 0.1) }
        for slot in [m.layout.ln1w, m.layout.ln2w, m.layout.lnfw] {
            for i in slot.offset..<(slot.offset + slot.count) { m.parameters[i] += 1 }
        }
        return m
    }

    typealias Pair = (chosen: TrainingSequence, rejected: TrainingSequence)

    /// Arith pairs of one corruption mode, tokenised as training tokenises them.
    static func arith(_ mode: ArithCorruption, count: Int = 4, seed: UInt64 = 5) throws -> [Pair] {
        // The generator makes at least 10 pairs; the first `count` keep the tests fast.
        try ArithTask.generate(ArithTaskConfig(count: max(10, count), corruption: ArithCorruptionMix(only: mode), seed: seed))
            .prefix(count).map { let p = PreparedPair($0, buckets: nil); return (p.chosen, p.rejected) }
    }

    /// Per-slot log-probs (chosen 2i, rejected 2i + 1), per-slot token log-probs and gradients of one
    /// forward and backward, separate (chosen rows then rejected rows, `SequenceBatch`) or shared.
    struct Outcome {
        var sums: [Float]
        var tokens: [[Float]]
        var gradients: [Float]
    }

    /// A fixed, seeded gradient for each slot.
    static func dSlots(_ n: Int) -> [Float] {
        var rng = SplitMix64(seed: 23)
        return (0..<(2 * n)).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
    }

    static func separate(_ pairs: [Pair], lmHead: LMHeadMode? = nil) throws -> Outcome {
        let n = pairs.count
        let m = try model(rows: 2 * n, lmHead: lmHead)
        var batch = SequenceBatch(maxBatch: 2 * n, maxSequence: m.maxSequence)
        let rows = pairs.map(\.chosen) + pairs.map(\.rejected)
        batch.fill(rows)
        batch.forward(m)
        let d = dSlots(n)
        var sums = [Float](repeating: 0, count: 2 * n), tokens = [[Float]](repeating: [], count: 2 * n)
        var dseq = [Float](repeating: 0, count: 2 * n)
        for (r, s) in rows.enumerated() {
            let slot = r < n ? 2 * r : 2 * (r - n) + 1
            sums[slot] = m.sequenceLogProbs[r]
            tokens[slot] = (s.firstTarget - 1..<s.positions).map { m.tokenLogProbs[r * batch.T + $0] }
            dseq[r] = d[slot]
        }
        m.zeroGradients()
        m.backward(dSequenceLogProbs: dseq)
        return Outcome(sums: sums, tokens: tokens, gradients: Array(UnsafeBufferPointer(start: m.gradients, count: m.parameterCount)))
    }

    static func shared(_ pairs: [Pair], lmHead: LMHeadMode? = nil, maxSequence: Int? = nil, maxRow: Int? = nil) throws -> Outcome {
        let n = pairs.count
        let m = try model(rows: 2 * n, lmHead: lmHead, maxSequence: maxRow == nil ? nil : maxSequence, maxRow: maxRow)
        let batch = SharedTrunkBatch(pairs: pairs, maxSequence: maxRow ?? maxSequence ?? m.maxSequence)
        m.forward(batch)
        let sums = Array(UnsafeBufferPointer(start: m.sequenceLogProbs, count: 2 * n))
        var tokens = [[Float]](repeating: [], count: 2 * n)
        for k in 0..<batch.targets.count { tokens[batch.targets.slot[k]].append(m.targetLogProbs[k]) }
        m.zeroGradients()
        m.backward(dSequenceLogProbs: dSlots(n))
        return Outcome(sums: sums, tokens: tokens, gradients: Array(UnsafeBufferPointer(start: m.gradients, count: m.parameterCount)))
    }

    /// Shared equals separate: summed log-probs within 1e-5, or 1e-6 relative beyond a size of 10 (a sum
    /// of ~200 nats is 1–2 float32 ulps = 1.5–3e-5 apart, the summands' rounding), every token's log-prob
    /// within 1e-5, each gradient tensor within 1e-5 of its largest entry (measured: about 1e-6).
    static func expectSame(_ pairs: [Pair], lmHead: LMHeadMode? = nil, maxSequence: Int? = nil, maxRow: Int? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let a = try separate(pairs, lmHead: lmHead)
        let b = try shared(pairs, lmHead: lmHead, maxSequence: maxSequence, maxRow: maxRow)
        for s in a.sums.indices {
            #expect(abs(a.sums[s] - b.sums[s]) <= 1e-6 * max(10, abs(a.sums[s])), "slot \(s): \(a.sums[s]) vs \(b.sums[s])",
                    sourceLocation: sourceLocation)
            #expect(a.tokens[s].count == b.tokens[s].count, sourceLocation: sourceLocation)
            let worst = zip(a.tokens[s], b.tokens[s]).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "slot \(s): a token log-prob differs by \(worst)", sourceLocation: sourceLocation)
        }
        let layout = ParameterLayout(config: config)
        for slot in layout.slots {
            let x = a.gradients[slot.offset..<(slot.offset + slot.count)], y = b.gradients[slot.offset..<(slot.offset + slot.count)]
            let scale = x.map { abs($0) }.max() ?? 0
            let worst = zip(x, y).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * scale, "\(slot.name): differs by \(worst), largest entry \(scale)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ArithCorruption.allCases)
    func modelMatchesSeparateOnArithPairs(mode: ArithCorruption) throws {
        try Self.expectSame(Self.arith(mode))
    }

    @Test func modelMatchesSeparateWithTheChunkedHead() throws {
        try Self.expectSame(Self.arith(.step, count: 3), lmHead: .chunked)
    }

    @Test func modelMatchesSeparateWithoutCommonCompletionPrefixAndWhenIdenticalUpToEndOfText() throws {
        let a = TrainingSequence(tokens: [10, 11, 12, 40, 41, 42, 0], firstTarget: 3)
        let b = TrainingSequence(tokens: [10, 11, 12, 50, 51, 0], firstTarget: 3)
        try Self.expectSame([(a, b), (a, a), (b, b)])
    }

    /// A pair whose shared row would not fit runs as two rows of one sequence each, with the same numbers.
    @Test func modelMatchesSeparateWhenAPairFallsBackToTwoRows() throws {
        let pairs = try Self.arith(.resample, count: 3)
        let longest = pairs.map { max($0.chosen.positions, $0.rejected.positions) }.max()!
        let batch = SharedTrunkBatch(pairs: pairs, maxSequence: longest)
        #expect(batch.B > pairs.count)
        try Self.expectSame(pairs, maxSequence: longest)
    }

    /// Shared rows longer than the model's sequence length run in an arena grown to `maxRow` (their positions
    /// stay below the context), one row per pair, with the same numbers.
    @Test func sharedRowsLongerThanTheSequenceLengthFitMaxRow() throws {
        let pairs = try Self.arith(.resample, count: 3)
        let longest = pairs.map { max($0.chosen.positions, $0.rejected.positions) }.max()!
        #expect(pairs.map { RowLayout.sharedTrunk(chosen: $0.chosen, rejected: $0.rejected).count }.max()! > longest)
        #expect(SharedTrunkBatch(pairs: pairs, maxSequence: 2 * longest).B == pairs.count)
        try Self.expectSame(pairs, maxSequence: longest, maxRow: 2 * longest)
    }

    /// A row's floats depend only on its own row: a pair scored alone or among others, first or last.
    @Test func sharedRowsAreBatchInvariant() throws {
        let pairs = try Self.arith(.step, count: 3) + Self.arith(.resample, count: 2)
        let m = try Self.model(rows: 2 * pairs.count)
        m.forward(SharedTrunkBatch(pairs: pairs, maxSequence: m.maxSequence))
        let all = Array(UnsafeBufferPointer(start: m.sequenceLogProbs, count: 2 * pairs.count))
        for i in [0, pairs.count - 1] {
            m.forward(SharedTrunkBatch(pairs: [pairs[i]], maxSequence: m.maxSequence))
            #expect(m.sequenceLogProbs[0].bitPattern == all[2 * i].bitPattern)
            #expect(m.sequenceLogProbs[1].bitPattern == all[2 * i + 1].bitPattern)
        }
    }

    /// The shared path's log-probs and gradients are the same bits whatever the worker count.
    @Test(arguments: [2, 3])
    func sharedRowsAreThreadCountInvariant(workers: Int) throws {
        let pairs = try Self.arith(.step, count: 6) + Self.arith(.final, count: 2)
        let one = try Parallel.withWorkers(1) { try Self.shared(pairs) }
        let other = try Parallel.withWorkers(workers) { try Self.shared(pairs) }
        #expect(zip(one.sums, other.sums).allSatisfy { $0.bitPattern == $1.bitPattern })
        let differing = zip(one.gradients, other.gradients).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) gradient floats differ between 1 and \(workers) workers")
    }

    // MARK: - The preference step with train.share_trunk

    /// Two preference steps with and without `shareTrunk`, from the same model and pairs, each side's reference
    /// scored in its own layout: at step 0 policy = reference gives Δ = 0 exactly on both (else DPOP's
    /// max(0, ref − policy) would be on); the first step's loss and gradients (1e-4 of each tensor's largest) agree, and so do the parameters
    /// after one AdamW step wherever the gradient is not near 0. AdamW's first update is lr · g/(|g| + ε), so an
    /// entry whose gradient is within rounding of 0 may move by up to ±lr on either side: measured, those move
    /// the second step's loss by 5e-5 at lr 1e-4, hence its looser bound. With LD-DPO's tail weight as well.
    @Test(arguments: [1.0, 0.5])
    func aSharedTrunkStepEqualsASeparateStep(ldAlpha: Double) throws {
        let pairs = try ArithTask.generate(ArithTaskConfig(count: 10, corruption: ArithCorruptionMix(only: .step), seed: 9))
            .prefix(4).map { PreparedPair($0, buckets: nil) }
        let loss = PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50, ldAlpha: ldAlpha)
        struct Run { var losses: [Double]; var deltas: [Double]; var gradients: [Float]; var parameters: [Float] }
        func run(_ share: Bool) throws -> Run {
            let policy = try Self.model(rows: 2 * pairs.count)
            var prepared = Array(pairs)
            if share {
                SequenceScorer.attachReferenceShared(policy, to: &prepared, tails: loss.weighsTails)
            } else {
                SequenceScorer.attachReference(policy, to: &prepared, keepTokens: false)
                if loss.weighsTails { SequenceScorer.attachReferenceTails(policy, to: &prepared) }
            }
            let trainer = PreferenceTrainer(policy: policy, loss: loss,
                                            config: PreferenceTrainConfig(steps: 2, batch: pairs.count, shareTrunk: share))
            let first = try trainer.step(prepared, lr: 1e-4, stepNumber: 1)
            let gradients = Array(UnsafeBufferPointer(start: policy.gradients, count: policy.parameterCount))
            let parameters = Array(UnsafeBufferPointer(start: policy.parameters, count: policy.parameterCount))
            let second = try trainer.step(prepared, lr: 1e-4, stepNumber: 2)
            return Run(losses: [first.loss, second.loss], deltas: [first.chosenDelta, second.chosenDelta],
                       gradients: gradients, parameters: parameters)
        }
        let separate = try run(false), shared = try run(true)
        if !loss.weighsTails {
            #expect(separate.deltas[0] == 0 && shared.deltas[0] == 0)
            #expect(shared.losses[0] == separate.losses[0])
        }
        #expect(abs(shared.losses[0] - separate.losses[0]) <= 1e-5, "\(shared.losses[0]) vs \(separate.losses[0])")
        #expect(abs(shared.losses[1] - separate.losses[1]) <= 1e-4, "\(shared.losses[1]) vs \(separate.losses[1])")
        #expect(separate.losses[1] != separate.losses[0]) // the step moved something
        for slot in ParameterLayout(config: Self.config).slots {
            let range = slot.offset..<(slot.offset + slot.count)
            let scale = separate.gradients[range].map { abs($0) }.max()!
            var worstGradient: Float = 0, worstParameter: Float = 0
            for i in range {
                worstGradient = max(worstGradient, abs(shared.gradients[i] - separate.gradients[i]))
                if abs(separate.gradients[i]) > 1e-4 * scale {
                    worstParameter = max(worstParameter, abs(shared.parameters[i] - separate.parameters[i]))
                }
            }
            #expect(worstGradient <= 1e-4 * scale, "\(slot.name): gradients differ by \(worstGradient), largest \(scale)")
            #expect(worstParameter <= 1e-5, "\(slot.name): parameters after one step differ by \(worstParameter)")
        }
    }

    /// `train.share_trunk` is on by default and always in the config JSON: a configuration without it ran the
    /// two-sequence path, decodes as such, and so hashes to another cell id than a shared-trunk cell.
    @Test func shareTrunkIsOnByDefaultAndAlwaysInTheConfigJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(PreferenceTrainConfig().shareTrunk == true)
        for share in [true, false] {
            let config = PreferenceTrainConfig(shareTrunk: share)
            let data = try encoder.encode(config)
            #expect(String(decoding: data, as: UTF8.self).contains("\"shareTrunk\":\(share)"))
            #expect(try JSONDecoder().decode(PreferenceTrainConfig.self, from: data) == config)
        }
        var legacy = try JSONSerialization.jsonObject(with: try encoder.encode(PreferenceTrainConfig())) as! [String: Any]
        legacy["shareTrunk"] = nil
        let old = try JSONDecoder().decode(PreferenceTrainConfig.self, from: try JSONSerialization.data(withJSONObject: legacy))
        #expect(old.shareTrunk == false)
        #expect(old == PreferenceTrainConfig(shareTrunk: false))
    }

    /// The evaluation on shared-trunk rows, each side's reference scored in its own layout, gives the
    /// separate rows' metrics within float32 rounding: log-probs, rewards, the squeezing signals (read
    /// from the trunk's and the chosen tail's logit rows) and the displacement profile. At step 0 (policy
    /// = reference) Δw is exactly 0 on both, so DPOP's penalty stays off.
    @Test func aSharedTrunkEvaluationEqualsASeparateEvaluation() throws {
        let pairs = try ArithTask.generate(ArithTaskConfig(count: 10, corruption: ArithCorruptionMix(only: .step), seed: 9))
            .map { PreparedPair($0, buckets: nil) }
        let loss = PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50)
        let reference = try Self.model(rows: 2 * pairs.count, maxRow: 2 * Self.config.contextLength)
        let policy = try Self.model(rows: 2 * pairs.count, maxRow: 2 * Self.config.contextLength)
        var rng = SplitMix64(seed: 3)
        for i in 0..<policy.parameterCount { policy.parameters[i] += Float(rng.nextNormal() * 0.01) }
        func evaluate(_ share: Bool, _ model: GPTModel) throws -> PreferenceMetrics {
            var prepared = pairs
            if share {
                SequenceScorer.attachReferenceShared(reference, to: &prepared, tails: false, keepTokens: true)
            } else {
                SequenceScorer.attachReference(reference, to: &prepared, keepTokens: true)
            }
            let evaluator = PreferenceEvaluator(pairs: prepared, loss: loss, bucketNames: [], answerCheck: nil, taskPairs: 0,
                                                profileRadius: 3, shareTrunk: share)
            return evaluator.evaluate(model, step: 0, trainLoss: nil, elapsed: 0, withTask: false).eval
        }
        let atReference = (separate: try evaluate(false, reference), shared: try evaluate(true, reference))
        #expect(atReference.separate.logpsChosenDelta == 0 && atReference.shared.logpsChosenDelta == 0)
        #expect(atReference.shared.loss == atReference.separate.loss)
        let separate = try evaluate(false, policy), shared = try evaluate(true, policy)
        func close(_ a: Double?, _ b: Double?, _ what: String, within bound: Double = 1e-5) {
            guard let a, let b else { Issue.record("\(what) missing"); return }
            #expect(abs(a - b) <= bound * max(1, abs(a)), "\(what): \(a) vs \(b)")
        }
        // Sums of a few hundred nats carry 1e-6 relative rounding, so a difference of two (Δ) carries 1e-6 of
        // the sums' size in nats, a reward β times that, and DPOP's loss up to β(1 + λ) times that.
        let nats = max(abs(separate.logpsChosen), abs(separate.logpsRejected))
        #expect(nats > 50, "sums of \(nats) nats test too little")
        #expect(separate.logpsChosenDelta != 0)
        close(separate.logpsChosen, shared.logpsChosen, "logps/chosen", within: 1e-6)
        close(separate.logpsRejected, shared.logpsRejected, "logps/rejected", within: 1e-6)
        #expect(abs(separate.logpsChosenDelta - shared.logpsChosenDelta) <= 2e-6 * nats, "Δw")
        #expect(abs(separate.logpsRejectedDelta - shared.logpsRejectedDelta) <= 2e-6 * nats, "Δl")
        #expect(abs(separate.rewardsMargins - shared.rewardsMargins) <= 0.1 * 4e-6 * nats, "reward margin")
        #expect(abs(separate.loss - shared.loss) <= 0.1 * 51 * 4e-6 * nats, "loss: \(separate.loss) vs \(shared.loss)")
        close(separate.squeezeArgmaxProbability, shared.squeezeArgmaxProbability, "argmax probability")
        close(separate.squeezeEntropy, shared.squeezeEntropy, "entropy")
        let a = try #require(separate.displacementProfile), b = try #require(shared.displacementProfile)
        #expect(a.chosenCounts == b.chosenCounts && a.rejectedCounts == b.rejectedCounts && a.chosenCounts.contains { $0 > 0 })
        for k in a.chosen.indices {
            close(a.chosen[k] ?? 0, b.chosen[k] ?? 0, "profile Δw at \(a.offsets[k])")
            close(a.rejected[k] ?? 0, b.rejected[k] ?? 0, "profile Δl at \(a.offsets[k])")
        }
    }
}

/// `dpop score --share-trunk`: the same scores as the separate rows, within float32 rounding.
@Suite struct SharedTrunkScoringTests {
    @Test func pairScorerWithSharedRowsMatchesSeparateRows() throws {
        let pairs = try PreferenceTrainingTests.pairs(12, mix: "step:0.5,resample:0.5")
        let model = try PreferenceTrainingTests.model(seed: 4, batch: 8)
        let reference = try PreferenceTrainingTests.model(seed: 5, batch: 8)
        for loss in [PreferenceLossConfig(kind: .dpop, beta: 0.3, lambda: 5),
                     PreferenceLossConfig(kind: .dpo, beta: 0.3, ldAlpha: 0.5)] {
            let lines = Array(1...pairs.count)
            let separate = PairScorer.score(pairs: pairs, lines: lines, model: model, reference: reference, loss: loss)
            let shared = PairScorer.score(pairs: pairs, lines: lines, model: model, reference: reference, loss: loss, shareTrunk: true)
            for (a, b) in zip(separate, shared) {
                func close(_ x: Double?, _ y: Double?) -> Bool {
                    guard let x, let y else { return x == nil && y == nil }
                    return abs(x - y) <= max(1e-5, 1e-6 * abs(x))
                }
                #expect(a.line == b.line && a.edit_distance == b.edit_distance)
                #expect(close(a.logp_chosen, b.logp_chosen) && close(a.logp_rejected, b.logp_rejected), "line \(a.line)")
                #expect(close(a.ref_logp_chosen, b.ref_logp_chosen) && close(a.ref_logp_rejected, b.ref_logp_rejected), "line \(a.line)")
                #expect(close(a.loss, b.loss), "line \(a.line) \(loss.name)")
            }
        }
    }
}
