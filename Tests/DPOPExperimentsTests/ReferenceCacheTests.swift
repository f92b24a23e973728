import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// The reference cache: built once, verified on read, rebuilt when corrupt, shared across threads.
@Suite struct ReferenceCacheTests {
    static let config = GPTConfig(vocabSize: 257, contextLength: 16, layers: 1, heads: 2, channels: 8)
    static let inputs = ReferenceCache.Inputs(dataSHA256: "abc", model: config, sft: SFTConfig(steps: 1),
                                              evalFraction: 0.1, splitSeed: 0)

    static func build() throws -> (GPTModel, ReferenceScores) {
        let m = try GPTModel(config: config, maxBatch: 2, maxSequence: 16)
        m.initializeGPT2(seed: 3)
        return (m, ReferenceScores(chosen: [-1.5, -2], rejected: [-3, -4], chosenTokens: [[-0.5, -1], [-2]]))
    }

    @Test func buildsOnceVerifiesAndRebuildsWhenCorrupt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = ReferenceCache(resultsRoot: root)
        var builds = 0
        let first = try cache.obtain(Self.inputs, maxBatch: 2) { builds += 1; return try Self.build() }
        let second = try cache.obtain(Self.inputs, maxBatch: 2) { builds += 1; return try Self.build() }
        #expect(builds == 1 && first.built && !second.built)
        #expect(second.scores == first.scores)
        #expect(memcmp(first.model.parameters, second.model.parameters, first.model.parameterCount * 4) == 0)
        // Flip bytes in the weights: the checksum catches it and the entry is rebuilt.
        let weights = cache.directory.appendingPathComponent(try Self.inputs.key).appendingPathComponent("model.safetensors")
        var data = try Data(contentsOf: weights)
        data[data.count - 1] ^= 0xFF
        try data.write(to: weights)
        let third = try cache.obtain(Self.inputs, maxBatch: 2) { builds += 1; return try Self.build() }
        #expect(builds == 2 && third.built)
        // A different input is a different key.
        var other = Self.inputs
        other.splitSeed = 1
        #expect(try other.key != Self.inputs.key)
    }
}
