import Foundation
import Testing
@testable import DPOPTrainer

/// `dpop bench`'s pairs: arith pairs deterministic in the seed, the token count every side uses, the
/// trunk share and the id file the Python sides read.
@Suite struct BenchmarkPairsTests {
    func arithConfig(seed: UInt64, corruption: String = "step") throws -> BenchmarkConfig {
        var c = BenchmarkConfig()
        c.batch = 6
        c.seed = seed
        c.arith = ArithTaskConfig(count: 10, corruption: try ArithCorruptionMix(parsing: corruption), seed: seed)
        return c
    }

    @Test func arithPairsAreDeterministicInTheSeed() throws {
        let a = try BenchmarkPairs(arithConfig(seed: 3))
        let b = try BenchmarkPairs(arithConfig(seed: 3))
        let other = try BenchmarkPairs(arithConfig(seed: 4))
        #expect(a.pairs.count == 6)
        #expect(a.idsJSONL == b.idsJSONL)
        #expect(a.idsJSONL != other.idsJSONL)
        // The batch is the task's own first pairs, as `dpop data generate arith` writes them.
        let generated = try ArithTask.generate(ArithTaskConfig(count: 10, seed: 3))
        #expect(a.pairs.map(\.pair.chosen) == generated.prefix(6).map(\.chosen))
        #expect(a.pairs.map(\.pair.rejected) == generated.prefix(6).map(\.rejected))
    }

    /// prompt "ab"; chosen "xyz", rejected "xyq": sequences a b x y z ⟨eot⟩ and a b x y q ⟨eot⟩ of 5
    /// positions each; the trunk is a b x y. Identical completions "xy": the trunk is every token, but
    /// a sequence has only 4 positions. A completion that is a prefix of the other: "x" against "xy".
    @Test func tokenCountAndTrunkShareOfHandMadePairs() {
        let differ = PreparedPair(PreferencePair(prompt: "ab", chosen: "xyz", rejected: "xyq"), buckets: nil)
        let same = PreparedPair(PreferencePair(prompt: "ab", chosen: "xy", rejected: "xy"), buckets: nil)
        let prefix = PreparedPair(PreferencePair(prompt: "ab", chosen: "x", rejected: "xy"), buckets: nil)
        #expect(BenchmarkPairs.trunkLength(differ) == 4)
        #expect(BenchmarkPairs.trunkSavedPositions(differ) == 4)
        #expect(BenchmarkPairs.trunkLength(same) == 5)
        #expect(BenchmarkPairs.trunkSavedPositions(same) == 4)
        #expect(BenchmarkPairs.trunkLength(prefix) == 3)
        #expect(BenchmarkPairs.trunkSavedPositions(prefix) == 3)

        let one = BenchmarkPairs([differ])
        #expect(one.tokensPerStep == 2 * 1 * (2 + 3))
        #expect(one.trunkSavedShare == 0.4)
        let all = BenchmarkPairs([differ, same, prefix])
        #expect(all.tokensPerStep == 10 + 8 + (3 + 4))
        #expect(all.trunkSavedPerStep == 4 + 4 + 3)
        #expect(all.longestSequence == 5)
        #expect(abs(all.trunkSavedShare - 11.0 / 25.0) < 1e-12)
    }

    /// Random pairs count exactly the step's 2·batch·(prompt + completion) and share their prompt.
    @Test func randomPairsMatchTheConfigsTokenCount() {
        var c = BenchmarkConfig()
        c.batch = 4; c.promptLength = 8; c.completionLength = 5
        let pairs = BenchmarkPairs.random(c)
        #expect(pairs.tokensPerStep == c.tokensPerStep)
        #expect(pairs.pairs.allSatisfy { BenchmarkPairs.trunkLength($0) >= 8 })
    }

    /// `step` corruption keeps everything before the wrong number, `resample` little beyond the prompt (the
    /// margin is small: prompts are most of a sequence and the wrong number is often in the first equation).
    @Test func stepPairsShareMoreThanResamplePairs() throws {
        let step = try BenchmarkPairs(arithConfig(seed: 0, corruption: "step"))
        let resample = try BenchmarkPairs(arithConfig(seed: 0, corruption: "resample"))
        let prompts = step.pairs.reduce(0) { $0 + $1.promptTokens.count }
        #expect(step.trunkSavedPerStep > prompts)
        #expect(step.trunkSavedShare > resample.trunkSavedShare)
    }

    @Test func idFileHoldsTheStepsSequences() throws {
        let pairs = try BenchmarkPairs(arithConfig(seed: 1))
        let lines = pairs.idsJSONL.split(separator: "\n")
        #expect(lines.count == pairs.pairs.count)
        for (line, p) in zip(lines, pairs.pairs) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: [Int]])
            let prompt = try #require(object["prompt"]), chosen = try #require(object["chosen"])
            let rejected = try #require(object["rejected"])
            #expect((prompt + chosen).map(Int32.init) == p.chosen.tokens)
            #expect((prompt + rejected).map(Int32.init) == p.rejected.tokens)
            #expect(chosen.last == Int(ByteTokenizer.endOfText) && rejected.last == Int(ByteTokenizer.endOfText))
            #expect(prompt.count == p.chosen.firstTarget)
        }
    }
}
