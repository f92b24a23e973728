import Foundation
import Testing
@testable import DPOPTrainer

/// CHES and gradient entanglement against transformers on the committed tiny checkpoint
/// (`scripts/make_displacement_fixture.py`), and the properties that make them displacement predictors.
struct DisplacementDiagnosticsTests {
    struct Fixture: Decodable {
        struct Pair: Decodable {
            var prompt: String, chosen: String, rejected: String
            var chosen_positions: Int, rejected_positions: Int
            var ches: Double, ches_normalised: Double, gradient_cosine: Double
        }
        var pairs: [Pair]
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test func chesEqualsTransformersOnTheTinyCheckpoint() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("displacement_fixture.json")))
        let model = try GPT2Checkpoint.loadModel(from: Self.fixtures.appendingPathComponent("gpt2_tiny_checkpoint"), maxBatch: 4)
        let pairs = fixture.pairs.map {
            PreparedPair(PreferencePair(prompt: $0.prompt, chosen: $0.chosen, rejected: $0.rejected), buckets: nil)
        }
        // More pairs than the arena's 4 rows: the batches are cut, which must not change any score.
        let scores = CHESScorer.score(model, pairs)
        #expect(scores.count == fixture.pairs.count)
        for (i, expected) in fixture.pairs.enumerated() {
            #expect(pairs[i].chosenLength == expected.chosen_positions)
            #expect(pairs[i].rejectedLength == expected.rejected_positions)
            let tolerance = 1e-4 * max(1, abs(expected.ches))
            #expect(abs(scores[i].ches - expected.ches) <= tolerance, "pair \(i): \(scores[i].ches) vs \(expected.ches)")
            #expect(abs(scores[i].normalised - expected.ches_normalised) <= 1e-4 * max(1, abs(expected.ches_normalised)),
                    "pair \(i): \(scores[i].normalised) vs \(expected.ches_normalised)")
        }
    }

    @Test func gradientCosineEqualsAutogradOnTheTinyCheckpoint() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("displacement_fixture.json")))
        let model = try GPT2Checkpoint.loadModel(from: Self.fixtures.appendingPathComponent("gpt2_tiny_checkpoint"), maxBatch: 2)
        let pairs = fixture.pairs.map {
            PreparedPair(PreferencePair(prompt: $0.prompt, chosen: $0.chosen, rejected: $0.rejected), buckets: nil)
        }
        let cosines = GradientEntanglement.cosines(model, pairs)
        for (i, expected) in fixture.pairs.enumerated() {
            #expect(abs(cosines[i] - expected.gradient_cosine) <= 1e-4, "pair \(i): \(cosines[i]) vs \(expected.gradient_cosine)")
        }
        #expect((0..<model.layout.count).allSatisfy { model.gradients[$0] == 0 }, "the gradients are left zero")
    }

    @Test func identicalCompletionsScoreZeroAndAPairScoresTheSameAloneOrInABatch() throws {
        let model = try GPTModel(config: GPTConfig(contextLength: 32, layers: 1, heads: 2, channels: 16), maxBatch: 8, maxSequence: 32)
        model.initializeGPT2(seed: 5)
        let texts = [("1+1=", "2", "2"), ("3*4=", "12", "21"), ("ab", "cdefg", "cdxyz"), ("q", "yes", "no")]
        let pairs = texts.map { PreparedPair(PreferencePair(prompt: $0.0, chosen: $0.1, rejected: $0.2), buckets: nil) }
        let together = CHESScorer.score(model, pairs)
        #expect(together[0] == PairCHES(ches: 0, normalised: 0))
        for i in pairs.indices { #expect(CHESScorer.score(model, [pairs[i]]) == [together[i]]) }
        // Swapping chosen and rejected changes CHES (it is not symmetric: ‖Σh_w‖² is the chosen side's).
        let swapped = PreparedPair(PreferencePair(prompt: "3*4=", chosen: "21", rejected: "12"), buckets: nil)
        #expect(CHESScorer.score(model, [swapped])[0].ches != together[1].ches)
    }
}
