import Testing
@testable import DPOPTrainer

/// The memory plan must count what the model allocates, term by term, or it refuses the wrong runs.
@Suite struct MemoryPlanTests {
    @Test(arguments: [(1, 2, 8, 16, 3), (2, 4, 32, 64, 5), (3, 3, 48, 96, 1)])
    func thePlanCountsTheArenasExactly(layers: Int, heads: Int, channels: Int, context: Int, batch: Int) throws {
        let config = GPTConfig(vocabSize: 257, contextLength: context, layers: layers, heads: heads, channels: channels)
        let model = try GPTModel(config: config, maxBatch: batch, maxSequence: context)
        #expect(MemoryPlan.parameterFloats(config) == model.layout.count)
        #expect(MemoryPlan.activationFloats(config, maxBatch: batch, maxSequence: context)
                == model.acts.floatCount + model.acts.backwardFloatCount + 2 * batch * context)
    }

    @Test func sizesThatOverflowAreRefusedBeforeAllocating() {
        let config = GPTConfig(contextLength: 128, layers: 4, heads: 1, channels: 4_611_686_018_427_387_904)
        #expect(MemoryPlan.parameterFloats(config) == nil)
        #expect(throws: DPOPError.self) { try GPTModel(config: config, maxBatch: 1, maxSequence: 128) }
        #expect(MemoryPlan.format(25_769_803_776) == "24.0 GiB")
    }
}
