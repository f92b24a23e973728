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

    /// `model` must have been created with maxBatch ≥ config.batch.
    public init(model: GPTModel, config: SFTConfig) {
        precondition(model.maxBatch >= config.batch, "model arena holds \(model.maxBatch) rows, batch is \(config.batch)")
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
        var batch = SequenceBatch(maxBatch: config.batch, maxSequence: model.maxSequence)
        var rows: [TrainingSequence] = []
        rows.reserveCapacity(config.batch)
        var losses: [Float] = []
        losses.reserveCapacity(min(config.steps, 1 << 20))
        for step in 0..<config.steps {
            if let sig = stopRequested() { throw DPOPError.interrupted(stage: "sft", step: step, signal: sig) }
            let start = DispatchTime.now().uptimeNanoseconds
            rows.removeAll(keepingCapacity: true)
            for _ in 0..<min(config.batch, sequences.count) { rows.append(sequences[sampler.next()]) }
            batch.fill(rows)
            batch.forward(model)
            let loss = model.meanCrossEntropy
            guard loss.isFinite else { throw DPOPError.nonFinite(stage: "sft", step: step, what: "loss", value: Double(loss)) }
            model.zeroGradients()
            model.backwardMeanCrossEntropy()
            let lr = schedule.rate(at: step)
            let norm = optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: lr)
            losses.append(loss)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            report(SFTStepReport(step: step, loss: loss, gradNorm: norm, lr: lr, seconds: seconds))
        }
        return losses
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
