import Foundation
import Testing
@testable import DPOPTrainer

/// KV-cache decoding: the cached forward's logits are the full forward's, and greedy decoding with the
/// cache gives the same tokens as decoding by full forwards, on random and on trained weights.
@Suite struct KVCacheTests {
    static let config = GPTConfig(vocabSize: 257, contextLength: 96, layers: 2, heads: 2, channels: 16)

    static func model(seed: UInt64, batch: Int = 8) throws -> GPTModel {
        let m = try GPTModel(config: config, maxBatch: batch, maxSequence: config.contextLength)
        m.initializeGPT2(seed: seed)
        return m
    }

    static func pairs(_ n: Int, seed: UInt64 = 3) throws -> [PreferencePair] {
        Array(try ArithTask.generate(ArithTaskConfig(count: max(n, 10), steps: 1...1, maxNumber: 9,
                                                     corruption: try ArithCorruptionMix(parsing: "step"), seed: seed,
                                                     maxContext: 96)).prefix(n))
    }

    /// A model trained for a few SFT steps on arith answers: it writes the answer format and stops
    /// with end-of-text, unlike random weights.
    static func trained() throws -> GPTModel {
        let m = try model(seed: 5, batch: 16)
        let sequences = try pairs(80).map { TrainingSequence.promptCompletion(prompt: $0.promptTokens, completion: Array($0.chosenTokens.dropLast()), endOfText: ByteTokenizer.endOfText) }
        _ = try SFTTrainer(model: m, config: SFTConfig(steps: 60, batch: 16, lr: 1e-2, warmupSteps: 10, seed: 1)).train(sequences)
        return m
    }

    @Test func cachedLogitsEqualTheFullForwards() throws {
        let model = try Self.model(seed: 2)
        var rng = SplitMix64(seed: 9)
        let lengths = [11, 30, 19]
        let sequences = lengths.map { n in (0..<n).map { _ in Int32(rng.next() % 257) } }
        let T = lengths.max()!, V = Self.config.vocabSize
        var tokens = [Int32](repeating: 0, count: lengths.count * T)
        for (b, s) in sequences.enumerated() { for (t, x) in s.enumerated() { tokens[b * T + t] = x } }
        let lens = lengths.map { Int32($0) }
        model.forward(tokens: tokens, targets: nil, mask: nil, lengths: lens, B: lengths.count, T: T)
        let full = Array(UnsafeBufferPointer(start: model.logits, count: lengths.count * T * V))

        // Prefill different prefixes in one call, then steps of one or two positions per slot.
        let decoder = CachedForward(model: model, slots: 3)
        var done = [5, 1, 12]
        var cached = [[Float]](repeating: [], count: 3)
        func run(_ chunks: [(slot: Int, tokens: [Int32])]) {
            let rows = decoder.extend(chunks)
            var r = 0
            for (slot, toks) in chunks {
                cached[slot] += Array(UnsafeBufferPointer(start: decoder.logits + r * V, count: toks.count * V))
                r += toks.count
            }
            #expect(r == rows)
        }
        run((0..<3).map { (slot: $0, tokens: Array(sequences[$0][0..<done[$0]])) })
        while done.indices.contains(where: { done[$0] < lengths[$0] }) {
            var chunks: [(slot: Int, tokens: [Int32])] = []
            for b in done.indices where done[b] < lengths[b] {
                let n = min(b == 1 ? 2 : 1, lengths[b] - done[b])
                chunks.append((slot: b, tokens: Array(sequences[b][done[b]..<(done[b] + n)])))
                done[b] += n
            }
            run(chunks)
        }
        #expect(decoder.cache.lengths == lengths)
        var worst: Float = 0
        for b in 0..<3 {
            #expect(cached[b].count == lengths[b] * V)
            for i in 0..<(lengths[b] * V) {
                worst = max(worst, abs(cached[b][i] - full[b * T * V + i]) / max(1, abs(full[b * T * V + i])))
            }
        }
        #expect(worst < 1e-5, "largest relative logit difference \(worst)")
    }

    @Test func rewindingTheCacheRecomputesTheSameLogits() throws {
        let model = try Self.model(seed: 3)
        let decoder = CachedForward(model: model, slots: 1)
        let V = Self.config.vocabSize
        decoder.extend([(slot: 0, tokens: [10, 20, 30, 40, 50])])
        let last = Array(UnsafeBufferPointer(start: decoder.logits + 4 * V, count: V))
        decoder.extend([(slot: 0, tokens: [7, 8])])
        decoder.cache.truncate(slot: 0, to: 4)
        decoder.extend([(slot: 0, tokens: [50])])
        let again = Array(UnsafeBufferPointer(start: decoder.logits, count: V))
        #expect(zip(last, again).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
    }

    @Test func greedyWithTheCacheEqualsFullForwardsOnRandomWeights() throws {
        let model = try Self.model(seed: 4)
        let pairs = try Self.pairs(7)
        let prompts = pairs.map(\.promptTokens)
        let full = GreedyDecoder.completeByFullForwards(model, prompts: prompts, maxNewTokens: 30)
        let cached = GreedyDecoder.complete(model, prompts: prompts, maxNewTokens: 30)
        #expect(cached == full)
        #expect(full.contains { $0.count == 30 }, "random weights decode to the token limit")
        #expect(GreedyDecoder.complete(model, prompts: prompts, hints: pairs.map(\.chosenTokens), maxNewTokens: 30) == full)
        // The model's own output as the hint is kept whole; a prompt near the context stops at it.
        #expect(GreedyDecoder.complete(model, prompts: prompts, hints: full, maxNewTokens: 30) == full)
        let long = [Array(repeating: Int32(65), count: 90)]
        #expect(GreedyDecoder.complete(model, prompts: long, maxNewTokens: 30)
                == GreedyDecoder.completeByFullForwards(model, prompts: long, maxNewTokens: 30))
        #expect(GreedyDecoder.complete(model, prompts: long, maxNewTokens: 30)[0].count == 7) // 90 + 7 = context + 1
    }

    @Test func greedyWithTheCacheEqualsFullForwardsOnATrainedModel() throws {
        let model = try Self.trained()
        let pairs = try Self.pairs(12, seed: 11)
        let prompts = pairs.map(\.promptTokens)
        let full = GreedyDecoder.completeByFullForwards(model, prompts: prompts, maxNewTokens: 48)
        let cached = GreedyDecoder.complete(model, prompts: prompts, maxNewTokens: 48)
        let hinted = GreedyDecoder.complete(model, prompts: prompts, hints: pairs.map(\.chosenTokens), maxNewTokens: 48)
        #expect(cached == full)
        #expect(hinted == full)
        // Trained, it stops by itself: the end-of-text path is exercised, not only the length limit.
        let stopped = full.filter { $0.last == ByteTokenizer.endOfText }.count
        #expect(stopped >= 6, "\(stopped) of 12 completions end with end-of-text")
    }
}
