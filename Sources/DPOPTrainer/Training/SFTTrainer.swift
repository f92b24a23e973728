import Foundation

/// What one SFT step reports.
public struct SFTStepReport: Sendable {
    public var step: Int
    public var loss: Float
    public var gradNorm: Float
    public var lr: Float
    public var seconds: Double
}

/// Trains a model on masked next-token cross-entropy; batches are drawn from a seeded shuffle.
public final class SFTTrainer {
    public let model: GPTModel
    public let config: SFTConfig
    private let optimizer: AdamW
    /// Asked before every step; a signal number stops training with `DPOPError.interrupted`.
    public var stopRequested: () -> Int32? = { Interruption.requested }

    /// `model` must have been created with maxBatch ≥ min(config.batch, training sequences).
    public init(model: GPTModel, config: SFTConfig) {
        self.model = model
        self.config = config
        optimizer = AdamW(layout: model.layout, config: config.adamw)
    }

    /// Runs `config.steps` updates over `sequences` and returns the loss of every step; a non-finite
    /// loss stops training with `DPOPError.nonFinite`.
    @discardableResult
    public func train(_ sequences: [TrainingSequence], report: (SFTStepReport) -> Void = { _ in }) throws -> [Float] {
        precondition(!sequences.isEmpty, "no training sequences")
        let schedule = LearningRateSchedule(peak: config.lr, warmupSteps: config.warmupSteps,
                                            totalSteps: config.steps, decay: config.decay)
        var sampler = EpochSampler(count: sequences.count, seed: config.seed)
        let rowsPerStep = min(config.batch, sequences.count)
        precondition(model.maxBatch >= rowsPerStep, "model arena holds \(model.maxBatch) rows, a step needs \(rowsPerStep)")
        var batch = SequenceBatch(maxBatch: rowsPerStep, maxSequence: model.maxSequence)
        var rows: [TrainingSequence] = []
        rows.reserveCapacity(rowsPerStep)
        var losses: [Float] = []
        losses.reserveCapacity(min(config.steps, 1 << 20))
        for step in 0..<config.steps {
            if let sig = stopRequested() { throw DPOPError.interrupted(stage: "sft", step: step, signal: sig) }
            let start = DispatchTime.now().uptimeNanoseconds
            rows.removeAll(keepingCapacity: true)
            for _ in 0..<rowsPerStep { rows.append(sequences[sampler.next()]) }
            let loss: Float
            if config.pack {
                loss = try Self.packedStep(model, rows, step: step)
            } else {
                batch.fill(rows)
                batch.forward(model)
                loss = model.meanCrossEntropy
                guard loss.isFinite else { throw DPOPError.nonFinite(stage: "sft", step: step, what: "loss", value: Double(loss)) }
                model.zeroGradients()
                model.backwardMeanCrossEntropy()
            }
            let lr = schedule.rate(at: step)
            let norm = optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: lr)
            losses.append(loss)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            report(SFTStepReport(step: step, loss: loss, gradNorm: norm, lr: lr, seconds: seconds))
        }
        return losses
    }
}

extension SFTTrainer {
    /// Forward and backward of the mean cross-entropy over every completion token of `sequences`, packed back
    /// to back into rows of up to the model's `maxRow` (`SharedTrunkBatch(packing:)`, each attending to itself);
    /// leaves the gradients in the model and returns the loss. The padded step's loss and gradients within
    /// float32 rounding (the sum runs per sequence, then over sequences, in another order).
    public static func packedStep(_ model: GPTModel, _ sequences: [TrainingSequence], step: Int = 0) throws -> Float {
        let batch = SharedTrunkBatch(packing: sequences, maxRow: model.maxRow)
        precondition(batch.B <= model.maxBatch, "\(batch.B) packed rows exceed the arena's \(model.maxBatch)")
        model.forward(batch)
        let slots = batch.targets.slotCount, count = batch.targets.count
        var total = 0.0
        for i in 0..<slots { total -= Double(model.sequenceLogProbs[i]) }
        let loss = count > 0 ? Float(total / Double(count)) : 0
        guard loss.isFinite else { throw DPOPError.nonFinite(stage: "sft", step: step, what: "loss", value: Double(loss)) }
        model.zeroGradients()
        let d = [Float](repeating: count > 0 ? -1 / Float(count) : 0, count: slots)
        d.withUnsafeBufferPointer { model.backward(dSequenceLogProbs: $0.baseAddress!) }
        return loss
    }
}

/// Visits indices 0..<count in a fresh seeded permutation each epoch.
public struct EpochSampler {
    private var order: [Int]
    private var position = 0
    private var rng: SplitMix64

    public init(count: Int, seed: UInt64) {
        order = Array(0..<count)
        rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
    }

    public mutating func next() -> Int {
        if position == order.count {
            order.shuffle(using: &rng)
            position = 0
        }
        defer { position += 1 }
        return order[position]
    }
}
