import Foundation

/// What one preference step reports.
public struct PreferenceStepReport: Sendable {
    public var step: Int
    public var loss: Double
    /// Mean Δw of the step's batch.
    public var chosenDelta: Double
    public var seconds: Double
}

/// Stage 2: trains a policy (initialised from the reference) with a preference loss. The reference's
/// log-probs are attached to the pairs beforehand; the reference model never runs in the step loop.
public final class PreferenceTrainer {
    public let policy: GPTModel
    public let loss: PreferenceLossConfig
    public let config: PreferenceTrainConfig
    private let optimizer: AdamW
    /// Asked before every step; a signal number stops training with `DPOPError.interrupted`.
    public var stopRequested: () -> Int32? = { Interruption.requested }

    /// `policy` needs an arena of at least 2·min(batch, training pairs) rows.
    public init(policy: GPTModel, loss: PreferenceLossConfig, config: PreferenceTrainConfig) {
        self.policy = policy
        self.loss = loss
        self.config = config
        optimizer = AdamW(layout: policy.layout, config: config.adamw)
    }

    /// Trains on `train` and evaluates with `evaluator` at step 0, every `evalEvery` steps and at the end,
    /// task accuracy included each time (its delta against step 0, where the policy is the reference).
    public func train(_ train: [PreparedPair], evaluator: PreferenceEvaluator,
                      onEval: (EvalRecord) throws -> Void = { _ in },
                      onStep: (PreferenceStepReport) -> Void = { _ in }) throws -> [EvalRecord] {
        precondition(!train.isEmpty, "no training pairs")
        let schedule = LearningRateSchedule(peak: config.lr, warmupSteps: config.warmupSteps,
                                            totalSteps: config.steps, decay: config.decay)
        var sampler = EpochSampler(count: train.count, seed: config.seed &+ 0x5EED)
        // A batch larger than the split is the whole split: sized by the pairs, not by the flag.
        let B = min(config.batch, train.count)
        precondition(policy.maxBatch >= 2 * B, "policy arena holds \(policy.maxBatch) rows, needs \(2 * B)")
        var batch = SequenceBatch(maxBatch: 2 * B, maxSequence: policy.maxSequence)
        var rows: [TrainingSequence] = []
        rows.reserveCapacity(2 * B)
        var picked = [Int](repeating: 0, count: B)
        var logps = [PairLogProbs](repeating: PairLogProbs(pc: 0, pr: 0, rc: 0, rr: 0, nc: 1, nr: 1), count: B)
        var dseq = [Float](repeating: 0, count: 2 * B)
        var records: [EvalRecord] = []
        var lossSinceEval = 0.0, stepsSinceEval = 0
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

        let first = evaluator.evaluate(policy, step: 0, trainLoss: nil, elapsed: 0, withTask: true)
        records.append(first)
        try onEval(first)
        for step in 0..<config.steps {
            if let sig = stopRequested() { throw DPOPError.interrupted(stage: "preference", step: step, signal: sig) }
            let stepStart = DispatchTime.now().uptimeNanoseconds
            rows.removeAll(keepingCapacity: true)
            for k in 0..<B { picked[k] = sampler.next() }
            for k in 0..<B { rows.append(train[picked[k]].chosen) }
            for k in 0..<B { rows.append(train[picked[k]].rejected) }
            batch.fill(rows)
            batch.forward(policy)
            var meanDelta = 0.0
            for k in 0..<B {
                let p = train[picked[k]]
                logps[k] = PairLogProbs(pc: Double(policy.sequenceLogProbs[k]), pr: Double(policy.sequenceLogProbs[B + k]),
                                        rc: p.referenceChosen, rr: p.referenceRejected,
                                        nc: p.chosenLength, nr: p.rejectedLength)
                meanDelta += logps[k].chosenDelta / Double(B)
            }
            let (value, grads) = loss.lossAndGradients(logps)
            guard value.isFinite else {
                throw DPOPError.nonFinite(stage: "preference", step: step + 1, what: "\(loss.kind.rawValue) loss", value: value)
            }
            for k in 0..<B {
                dseq[k] = Float(grads[k].dpc)
                dseq[B + k] = Float(grads[k].dpr)
            }
            policy.zeroGradients()
            policy.backward(dSequenceLogProbs: dseq)
            optimizer.update(parameters: policy.parameters, gradients: policy.gradients, lr: schedule.rate(at: step))
            lossSinceEval += value
            stepsSinceEval += 1
            onStep(PreferenceStepReport(step: step + 1, loss: value, chosenDelta: meanDelta,
                                        seconds: Double(DispatchTime.now().uptimeNanoseconds - stepStart) / 1e9))
            let done = step + 1
            if done % max(1, config.evalEvery) == 0 || done == config.steps {
                let record = evaluator.evaluate(policy, step: done, trainLoss: lossSinceEval / Double(stepsSinceEval),
                                                elapsed: elapsed(), withTask: true, reference: first)
                for metric in [MetricDescriptor.loss, .logpsChosenDelta, .logpsRejectedDelta, .rewardsMargins] {
                    if let v = metric.value(in: record.eval), !v.isFinite {
                        throw DPOPError.nonFinite(stage: "eval", step: done, what: metric.name, value: v)
                    }
                }
                records.append(record)
                try onEval(record)
                lossSinceEval = 0
                stepsSinceEval = 0
            }
        }
        return records
    }
}
