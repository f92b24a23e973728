import Foundation
import Testing
@testable import DPOPTrainer

/// `sft.pack`: an SFT step on sequences packed back to back into rows gives the padded step's loss and
/// gradients within float32 rounding, the same floats with any worker count, and leaves the reference
/// cache key alone when off.
@Suite struct SFTPackingTests {
    /// Arith chosen and rejected sequences of every corruption: lengths differ, so packing changes the rows.
    static func sequences() throws -> [TrainingSequence] {
        try ArithTask.generate(ArithTaskConfig(count: 12, seed: 3)).prefix(6).flatMap {
            let p = PreparedPair($0, buckets: nil)
            return [p.chosen, p.rejected]
        }
    }

    static func lossAndGradients(_ sequences: [TrainingSequence], packed: Bool) throws -> (loss: Float, gradients: [Float], rows: Int) {
        let model = try SharedTrunkTests.model(rows: sequences.count, maxRow: 2 * SharedTrunkTests.config.contextLength)
        var rows = sequences.count
        if packed {
            rows = SharedTrunkBatch(packing: sequences, maxRow: model.maxRow).B
            let loss = try SFTTrainer.packedStep(model, sequences)
            return (loss, Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount)), rows)
        }
        var batch = SequenceBatch(maxBatch: sequences.count, maxSequence: model.maxSequence)
        batch.fill(sequences)
        batch.forward(model)
        let loss = model.meanCrossEntropy
        model.zeroGradients()
        model.backwardMeanCrossEntropy()
        return (loss, Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount)), rows)
    }

    @Test func aPackedStepEqualsAPaddedStep() throws {
        let sequences = try Self.sequences()
        let padded = try Self.lossAndGradients(sequences, packed: false)
        let packed = try Self.lossAndGradients(sequences, packed: true)
        #expect(packed.rows < sequences.count, "the sequences must share rows (\(packed.rows) rows for \(sequences.count))")
        #expect(abs(packed.loss - padded.loss) <= 1e-6 * abs(padded.loss), "\(packed.loss) vs \(padded.loss)")
        for slot in ParameterLayout(config: SharedTrunkTests.config).slots {
            let range = slot.offset..<(slot.offset + slot.count)
            let scale = padded.gradients[range].map { abs($0) }.max()!
            let worst = range.map { abs(packed.gradients[$0] - padded.gradients[$0]) }.max()!
            #expect(scale > 0 && worst <= 1e-5 * scale, "\(slot.name): gradients differ by \(worst), largest \(scale)")
        }
    }

    @Test(arguments: [2, 3])
    func aPackedStepIsIndependentOfTheWorkerCount(workers: Int) throws {
        let sequences = try Self.sequences()
        let one = try Parallel.withWorkers(1) { try Self.lossAndGradients(sequences, packed: true) }
        let other = try Parallel.withWorkers(workers) { try Self.lossAndGradients(sequences, packed: true) }
        #expect(one.loss.bitPattern == other.loss.bitPattern)
        #expect(zip(one.gradients, other.gradients).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    /// Training with `pack` follows the padded run's losses (same sequences each step) within rounding.
    @Test func packedTrainingFollowsPaddedTraining() throws {
        let sequences = try Self.sequences()
        func losses(_ pack: Bool) throws -> [Float] {
            let model = try SharedTrunkTests.model(rows: 8, maxRow: 2 * SharedTrunkTests.config.contextLength)
            return try SFTTrainer(model: model, config: SFTConfig(steps: 5, batch: 8, lr: 1e-3, warmupSteps: 0, seed: 2, pack: pack))
                .train(sequences)
        }
        let padded = try losses(false), packed = try losses(true)
        #expect(padded.count == 5 && padded.last! < padded.first!)
        for (a, b) in zip(padded, packed) { #expect(abs(a - b) <= 1e-4 * abs(a), "\(a) vs \(b)") }
    }

    /// Off, `pack` is absent from the JSON, so references built before it keep their cache keys.
    @Test func packIsLeftOutOfTheJSONWhenOff() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(!String(decoding: try encoder.encode(SFTConfig()), as: UTF8.self).contains("packing"))
        let on = try encoder.encode(SFTConfig(pack: true))
        #expect(String(decoding: on, as: UTF8.self).contains("\"packing\":true"))
        #expect(try JSONDecoder().decode(SFTConfig.self, from: on).pack)
        #expect(SFTConfig(pack: false) == SFTConfig())
    }
}
