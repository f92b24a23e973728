import Foundation
import Testing
@testable import DPOPTrainer

/// The displacement diagnostics of every eval record: the per-token profile, the squeezing signals and
/// gradient entanglement, each against a computation by hand, and the records they leave unchanged.
@Suite struct EvalDiagnosticsTests {
    static let config = PreferenceTrainingTests.config

    /// Eval pairs with the reference's per-token log-probs attached, and a policy that differs from the
    /// reference (another initialisation), so every Δ is non-zero.
    static func setUp(_ n: Int = 10) throws -> (pairs: [PreparedPair], reference: GPTModel, policy: GPTModel) {
        let reference = try PreferenceTrainingTests.model(seed: 1, batch: 4)
        let policy = try PreferenceTrainingTests.model(seed: 2, batch: 8)
        let buckets = try EditDistanceBuckets(parsing: ["low=1..3", "high=4..inf"])
        var pairs = try PreferenceTrainingTests.pairs(n, mix: "step:0.5,resample:0.5").map { PreparedPair($0, buckets: buckets) }
        SequenceScorer.attachReference(reference, to: &pairs, keepTokens: true)
        return (pairs, reference, policy)
    }

    static func evaluator(_ pairs: [PreparedPair], radius: Int = 3, entanglement: Int = 0) -> PreferenceEvaluator {
        PreferenceEvaluator(pairs: pairs, loss: PreferenceLossConfig(kind: .dpo), bucketNames: ["low", "high"], answerCheck: nil,
                            taskPairs: 0, profileRadius: radius, entanglementPairs: entanglement)
    }

    /// A completion's per-token log-probs as `dpop score` computes them: one whole-sequence `TokenScorer` pass.
    static func completionLogProbs(_ model: GPTModel, _ s: TrainingSequence) -> [Float] {
        Array(TokenScorer.logProbs(model, tokens: s.tokens)[(s.firstTarget - 1)...])
    }

    @Test func theProfileInTheRecordEqualsOneComputedByHandFromTokenScorer() throws {
        let (pairs, reference, policy) = try Self.setUp()
        let record = Self.evaluator(pairs).evaluate(policy, step: 1, trainLoss: nil, elapsed: 0, withTask: false)
        let K = 3
        func byHand(_ members: [Int]) -> (chosen: [Double?], rejected: [Double?], counts: [Int]) {
            var sums = [[Double]](repeating: [Double](repeating: 0, count: 2 * K + 1), count: 2)
            var counts = [[Int]](repeating: [Int](repeating: 0, count: 2 * K + 1), count: 2)
            for i in members {
                let p = pairs[i]
                // The first differing completion token, found here from the ids themselves.
                let c = Array(p.chosen.tokens[p.promptTokens.count...]), r = Array(p.rejected.tokens[p.promptTokens.count...])
                let firstDiffering: Int? = (0..<min(c.count, r.count)).first { (k: Int) -> Bool in c[k] != r[k] }
                guard let d = firstDiffering else { continue }
                for (side, s) in [p.chosen, p.rejected].enumerated() {
                    let pol = Self.completionLogProbs(policy, s), ref = Self.completionLogProbs(reference, s)
                    for k in -K...K where d + k >= 0 && d + k < pol.count {
                        sums[side][k + K] += Double(pol[d + k]) - Double(ref[d + k])
                        counts[side][k + K] += 1
                    }
                }
            }
            func means(_ side: Int) -> [Double?] { (0...(2 * K)).map { counts[side][$0] > 0 ? sums[side][$0] / Double(counts[side][$0]) : nil } }
            return (means(0), means(1), counts[0])
        }
        func check(_ profile: DisplacementProfile?, _ members: [Int], _ scope: String) {
            guard let profile else { Issue.record("\(scope): no profile"); return }
            let expected = byHand(members)
            #expect(profile.offsets == Array(-K...K))
            #expect(profile.chosenCounts == expected.counts, "\(scope)")
            for (name, got, want) in [("chosen", profile.chosen, expected.chosen), ("rejected", profile.rejected, expected.rejected)] {
                for k in 0..<got.count {
                    #expect((got[k] == nil) == (want[k] == nil), "\(scope) \(name) offset \(k - K)")
                    if let g = got[k], let w = want[k] { #expect(abs(g - w) < 1e-4, "\(scope) \(name) offset \(k - K): \(g) vs \(w)") }
                }
            }
            // Not vacuous: the policy is another model, so the tokens moved.
            #expect(profile.chosen.contains { ($0 ?? 0) != 0 })
        }
        check(record.eval.displacementProfile, Array(pairs.indices), "overall")
        for name in ["low", "high"] {
            let members = pairs.indices.filter { pairs[$0].bucket == name }
            #expect(!members.isEmpty, "bucket \(name) holds eval pairs")
            check(record.buckets[name]?.displacementProfile, members, name)
        }
        // Radius 0 turns it off, and leaves every other metric as it was.
        let off = Self.evaluator(pairs, radius: 0).evaluate(policy, step: 1, trainLoss: nil, elapsed: 0, withTask: false)
        #expect(off.eval.displacementProfile == nil)
        var cleared = record
        cleared.eval.displacementProfile = nil
        for name in cleared.buckets.keys { cleared.buckets[name]!.displacementProfile = nil }
        #expect(cleared == off)
    }

    @Test func atStepZeroTheProfileIsAllZerosAndTheOldMetricsAreExact() throws {
        let pairs = try PreferenceTrainingTests.pairs(32, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 1)
        config.sft.steps = 4
        config.train.taskEvalPairs = 0
        let records = try PreferenceRun(config: config, pairs: pairs).run()
        let first = records[0]
        for m in [first.eval] + Array(first.buckets.values) {
            #expect(m.logpsChosenDelta == 0 && m.logpsRejectedDelta == 0)
            let profile = try #require(m.displacementProfile)
            #expect(profile.radius == DisplacementProfile.defaultRadius)
            #expect(profile.chosen.compactMap { $0 }.allSatisfy { $0 == 0 } && profile.rejected.compactMap { $0 }.allSatisfy { $0 == 0 })
            #expect(profile.chosenCounts[profile.radius] > 0 && profile.rejectedCounts[profile.radius] > 0)
            #expect(m.squeezeArgmaxProbability != nil && m.squeezeEntropy != nil)
            #expect(m.entanglementCosine == nil)
        }
        #expect(first.entanglementCosines == nil, "entanglement is off by default")
        // After a step the profile moves.
        #expect(records.last!.eval.displacementProfile!.chosen.contains { ($0 ?? 0) != 0 })
    }

    /// Largest probability and entropy of each next-token distribution by the textbook formulas: a
    /// forward of the sequence alone, softmax without the max shift, −Σ p log p.
    static func naiveSqueeze(_ model: GPTModel, _ s: TrainingSequence) -> (Double, Double) {
        let inputs = Array(s.tokens.dropLast())
        model.forward(tokens: inputs, targets: nil, mask: nil, B: 1, T: inputs.count)
        let V = model.config.vocabSize
        var argmax = 0.0, entropy = 0.0
        let positions = (s.firstTarget - 1)..<s.positions
        for t in positions {
            let logits = model.logits(row: t)
            let e = (0..<V).map { exp(Double(logits[$0])) }
            let z = e.reduce(0, +)
            let p = e.map { $0 / z }
            argmax += p.max()!
            entropy -= p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
        }
        return (argmax / Double(positions.count), entropy / Double(positions.count))
    }

    @Test func squeezeValuesEqualANaivePerPositionSoftmax() throws {
        let (pairs, _, policy) = try Self.setUp(8)
        let record = Self.evaluator(pairs).evaluate(policy, step: 1, trainLoss: nil, elapsed: 0, withTask: false)
        let naive = pairs.map { Self.naiveSqueeze(policy, $0.chosen) }
        func check(_ m: PreferenceMetrics?, _ members: [Int]) {
            let p = members.map { naive[$0].0 }.reduce(0, +) / Double(members.count)
            let h = members.map { naive[$0].1 }.reduce(0, +) / Double(members.count)
            #expect(abs((m?.squeezeArgmaxProbability ?? -1) - p) < 1e-6, "\(String(describing: m?.squeezeArgmaxProbability)) vs \(p)")
            #expect(abs((m?.squeezeEntropy ?? -1) - h) < 1e-5, "\(String(describing: m?.squeezeEntropy)) vs \(h)")
        }
        check(record.eval, Array(pairs.indices))
        for name in ["low", "high"] { check(record.buckets[name], pairs.indices.filter { pairs[$0].bucket == name }) }
        // An untrained model spreads its mass: entropy near log V, argmax probability far below 1.
        #expect(record.eval.squeezeEntropy! > 0.9 * log(257.0))
        #expect(record.eval.squeezeArgmaxProbability! < 0.1)
        // The chunked head (a BPE-sized model's) reads the same logits.
        let chunked = try GPTModel(config: Self.config, maxBatch: 8, maxSequence: Self.config.contextLength, lmHead: .chunked)
        chunked.copyParameters(from: policy)
        let viaChunks = Self.evaluator(pairs).evaluate(chunked, step: 1, trainLoss: nil, elapsed: 0, withTask: false)
        #expect(abs(viaChunks.eval.squeezeArgmaxProbability! - record.eval.squeezeArgmaxProbability!) < 1e-6)
        #expect(abs(viaChunks.eval.squeezeEntropy! - record.eval.squeezeEntropy!) < 1e-5)
    }

    @Test func entanglementIsOffByDefaultAndOnGivesOneCosinePerSampledPair() throws {
        let (pairs, _, policy) = try Self.setUp()
        let off = Self.evaluator(pairs).evaluate(policy, step: 1, trainLoss: nil, elapsed: 0, withTask: false)
        #expect(off.entanglementCosines == nil && off.eval.entanglementCosine == nil)
        #expect(PreferenceEvaluator(pairs: pairs, loss: PreferenceLossConfig(kind: .dpo), bucketNames: [], answerCheck: nil).entanglementPairs == 0)

        var logged: [String] = []
        var evaluator = Self.evaluator(pairs, entanglement: 4)
        evaluator.log = { logged.append($0) }
        let on = evaluator.evaluate(policy, step: 1, trainLoss: nil, elapsed: 0, withTask: false)
        let cosines = try #require(on.entanglementCosines)
        #expect(cosines.count == 4)
        #expect(cosines.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(cosines == GradientEntanglement.cosines(policy, Array(pairs.prefix(4))))
        let mean = cosines.reduce(0, +) / 4
        #expect(abs(on.eval.entanglementCosine! - mean) < 1e-12)
        #expect(on.eval.entanglementCosineSD! >= 0)
        // Each bucket averages its own sampled pairs; a bucket with none has no value.
        for name in ["low", "high"] {
            let own = pairs.prefix(4).indices.filter { pairs[$0].bucket == name }.map { cosines[$0] }
            if own.isEmpty { #expect(on.buckets[name]?.entanglementCosine == nil) }
            else { #expect(abs(on.buckets[name]!.entanglementCosine! - own.reduce(0, +) / Double(own.count)) < 1e-12) }
        }
        #expect(logged.contains { $0.contains("entanglement") && $0.contains("4 pairs") && $0.contains(" s ") })
        // The backward passes leave every other metric as it was.
        var cleared = on
        cleared.entanglementCosines = nil
        cleared.eval.entanglementCosine = nil
        cleared.eval.entanglementCosineSD = nil
        for name in cleared.buckets.keys {
            cleared.buckets[name]!.entanglementCosine = nil
            cleared.buckets[name]!.entanglementCosineSD = nil
        }
        #expect(cleared == off)
    }

    @Test func theNewFieldsRoundTripThroughMetricsJSONLAndOldRecordsStillRead() throws {
        let (pairs, _, policy) = try Self.setUp(6)
        let record = Self.evaluator(pairs, entanglement: 2).evaluate(policy, step: 3, trainLoss: 0.5, elapsed: 1, withTask: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(record)
        #expect(try JSONDecoder().decode(EvalRecord.self, from: data) == record)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let eval = try #require(json["eval"] as? [String: Any])
        let profile = try #require(eval["displacement/profile"] as? [String: Any])
        #expect(profile["offsets"] as? [Int] == [-3, -2, -1, 0, 1, 2, 3])
        #expect((profile["counts"] as? [String: Any])?["rejected"] as? [Int] != nil)
        #expect(eval["squeeze/argmax_prob"] is Double && eval["squeeze/entropy"] is Double && eval["entanglement/cosine"] is Double)
        #expect((json["entanglement/cosines"] as? [Double])?.count == 2)
        // A record written before the diagnostics (no such keys) reads with them nil.
        var old = record
        old.entanglementCosines = nil
        for path: WritableKeyPath<PreferenceMetrics, Double?> in [\.squeezeArgmaxProbability, \.squeezeEntropy, \.entanglementCosine, \.entanglementCosineSD] {
            old.eval[keyPath: path] = nil
            for name in old.buckets.keys { old.buckets[name]![keyPath: path] = nil }
        }
        old.eval.displacementProfile = nil
        for name in old.buckets.keys { old.buckets[name]!.displacementProfile = nil }
        let oldData = try encoder.encode(old)
        #expect(!String(decoding: oldData, as: UTF8.self).contains("squeeze"))
        #expect(try JSONDecoder().decode(EvalRecord.self, from: oldData) == old)
        #expect(MetricDescriptor.lookup("squeeze/argmax_prob") != nil && MetricDescriptor.lookup("entanglement/cosine") != nil)
    }

    @Test func theNewSettingsAreLeftOutOfTheConfigJSONAtTheirDefaults() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let plain = String(decoding: try encoder.encode(PreferenceTrainConfig()), as: UTF8.self)
        #expect(!plain.contains("profileRadius") && !plain.contains("entanglementPairs"), "cell ids stay as they were")
        #expect(plain.contains("taskEvalPairs"))
        let set = PreferenceTrainConfig(profileRadius: 4, entanglementPairs: 16)
        let data = try encoder.encode(set)
        #expect(try JSONDecoder().decode(PreferenceTrainConfig.self, from: data) == set)
        #expect(try JSONDecoder().decode(PreferenceTrainConfig.self, from: Data(plain.utf8)) == PreferenceTrainConfig())
        #expect(throws: DPOPError.self) { try PreferenceTrainConfig(profileRadius: -1).validate() }
        #expect(throws: DPOPError.self) { try PreferenceTrainConfig(entanglementPairs: -1).validate() }
    }
}
