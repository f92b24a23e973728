import Testing
@testable import DPOPTrainer

/// The memory plan must count what the model allocates, term by term, or it refuses the wrong runs.
@Suite struct MemoryPlanTests {
    @Test(arguments: [(1, 2, 8, 16, 3), (2, 4, 32, 64, 5), (3, 3, 48, 96, 1)])
    func thePlanCountsTheArenasExactly(layers: Int, heads: Int, channels: Int, context: Int, batch: Int) throws {
        let config = GPTConfig(vocabSize: 257, contextLength: context, layers: layers, heads: heads, channels: channels)
        let model = try GPTModel(config: config, maxBatch: batch, maxSequence: context)
        #expect(MemoryPlan.parameterFloats(config) == model.layout.count)
        // The model allocates its arena at the first forward, for the batch it runs; plan the largest.
        // Both heads: the whole-batch one of small vocabularies and the chunked one of large ones.
        for head in [LMHeadMode.wholeBatch, .chunked] {
            let arena = ActivationArena(config: config, maxBatch: batch, maxSequence: context, lmHead: head)
            #expect(MemoryPlan.activationFloats(config, maxBatch: batch, maxSequence: context, lmHead: head)
                    == arena.floatCount + 2 * batch * context)
        }
        #expect(MemoryPlan.activationFloats(config, maxBatch: batch, maxSequence: context)
                == MemoryPlan.activationFloats(config, maxBatch: batch, maxSequence: context, lmHead: .wholeBatch))
    }

    /// A GPT-2-small shape with its 50k vocabulary: the chunked head keeps no (B, T, V) tensor, so a DPO
    /// step of 4 pairs × 256 tokens plans under 4 GiB (the (B, T, V) tensors alone were 1.2 GiB, their
    /// weight-gradient partials 1 GiB more).
    @Test func gpt2SmallPlansADPOStepUnderFourGiB() throws {
        let config = GPTConfig(vocabSize: 50257, contextLength: 256, layers: 12, heads: 12, channels: 768)
        #expect(LMHeadMode.automatic(vocabularySize: 50257) == .chunked)
        let plan = MemoryPlan.model(config, maxBatch: 8, maxSequence: 256, optimizer: true)
        let whole = MemoryPlan.model(config, maxBatch: 8, maxSequence: 256, optimizer: true, lmHead: .wholeBatch)
        #expect(try #require(plan.totalBytes) < 4 << 30)
        #expect(try #require(whole.totalBytes) - plan.totalBytes! > 2 << 30)
    }

    @Test func sizesThatOverflowAreRefusedBeforeAllocating() {
        let config = GPTConfig(contextLength: 128, layers: 4, heads: 1, channels: 4_611_686_018_427_387_904)
        #expect(MemoryPlan.parameterFloats(config) == nil)
        #expect(throws: DPOPError.self) { try GPTModel(config: config, maxBatch: 1, maxSequence: 128) }
        #expect(MemoryPlan.format(25_769_803_776) == "24.0 GiB")
    }
}
