import Foundation

/// What one optimisation step computed: the loss of its batch and the batch's mean Δw.
public struct PreferenceStepResult: Sendable {
    public var loss: Double
    public var chosenDelta: Double
}

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
    // The step's buffers, sized by the first batch and reused.
    private var batch: SequenceBatch?
    private var rows: [TrainingSequence] = []
    private var logps: [PairLogProbs] = []
    private var dseq: [Float] = []
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
        var picked = [Int](repeating: 0, count: B)
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
            for k in 0..<B { picked[k] = sampler.next() }
            let result = try self.step(picked.lazy.map { train[$0] }, lr: schedule.rate(at: step), stepNumber: step + 1)
            let value = result.loss, meanDelta = result.chosenDelta
            lossSinceEval += value
            stepsSinceEval += 1
            onStep(PreferenceStepReport(step: step + 1, loss: value, chosenDelta: meanDelta,
                                        seconds: Double(DispatchTime.now().uptimeNanoseconds - stepStart) / 1e9))
            let done = step + 1
            if done % max(1, config.evalEvery) == 0 || done == config.steps {
                let record = evaluator.evaluate(policy, step: done, trainLoss: lossSinceEval / Double(stepsSinceEval),
                                                elapsed: elapsed(), withTask: true,
                                                progress: Double(done) / Double(config.steps), reference: first)
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

    /// One optimisation step on `pairs` (their reference log-probs attached): forward of the chosen rows
    /// then the rejected rows, the loss's gradients on the four sequence log-probs, backward, clip, AdamW at
    /// `lr`. `stepNumber` only names the step in the error for a non-finite loss. This is what `train`
    /// runs every step and what `dpop bench` times.
    public func step<Pairs: Collection>(_ pairs: Pairs, lr: Float, stepNumber: Int) throws -> PreferenceStepResult
        where Pairs.Element == PreparedPair {
        let B = pairs.count
        precondition(B >= 1 && policy.maxBatch >= 2 * B, "policy arena holds \(policy.maxBatch) rows, needs \(2 * B)")
        if config.shareTrunk { return try sharedStep(pairs, lr: lr, stepNumber: stepNumber) }
        if (batch?.maxBatch ?? 0) < 2 * B { batch = SequenceBatch(maxBatch: 2 * B, maxSequence: policy.maxSequence) }
        rows.removeAll(keepingCapacity: true)
        for p in pairs { rows.append(p.chosen) }
        for p in pairs { rows.append(p.rejected) }
        batch!.fill(rows)
        if loss.weighsTails {
            // LD-DPO: the tail tokens count α times in the policy's sums and get α times the gradient.
            for (k, p) in pairs.enumerated() {
                batch!.weighTargets(row: k, of: p.chosen, from: p.sharedLength, weight: Float(loss.ldAlpha))
                batch!.weighTargets(row: B + k, of: p.rejected, from: p.sharedLength, weight: Float(loss.ldAlpha))
            }
        }
        batch!.forward(policy)
        // Chosen rows first, then the rejected rows.
        return try lossBackwardUpdate(pairs, chosenSlot: { $0 }, rejectedSlot: { B + $0 }, lr: lr, stepNumber: stepNumber)
    }

    /// The rest of a step once `policy`'s last forward holds every pair's sequence log-probs (pair k's chosen
    /// one at `chosenSlot(k)`, its rejected one at `rejectedSlot(k)`): the loss and its gradients, backward,
    /// AdamW at `lr`.
    private func lossBackwardUpdate<Pairs: Collection>(_ pairs: Pairs, chosenSlot: (Int) -> Int, rejectedSlot: (Int) -> Int,
                                                       lr: Float, stepNumber: Int) throws -> PreferenceStepResult
        where Pairs.Element == PreparedPair {
        let B = pairs.count
        logps.removeAll(keepingCapacity: true)
        var meanDelta = 0.0
        for (k, p) in pairs.enumerated() {
            logps.append(PairLogProbs(pc: Double(policy.sequenceLogProbs[chosenSlot(k)]), pr: Double(policy.sequenceLogProbs[rejectedSlot(k)]),
                                      rc: loss.ldWeighted(p.referenceChosen, tail: p.referenceChosenTail),
                                      rr: loss.ldWeighted(p.referenceRejected, tail: p.referenceRejectedTail),
                                      nc: p.chosenLength, nr: p.rejectedLength))
            meanDelta += logps[k].chosenDelta / Double(B)
        }
        // DPO-Shift's λ_s may move with the step: progress 0 at the first step.
        let progress = Double(stepNumber - 1) / Double(max(1, config.steps))
        let (value, grads) = loss.scheduled(progress: progress).lossAndGradients(logps)
        guard value.isFinite else {
            throw DPOPError.nonFinite(stage: "preference", step: stepNumber, what: "\(loss.name) loss", value: value)
        }
        dseq.removeAll(keepingCapacity: true)
        dseq.append(contentsOf: repeatElement(0, count: 2 * B))
        for k in 0..<B {
            dseq[chosenSlot(k)] = Float(grads[k].dpc)
            dseq[rejectedSlot(k)] = Float(grads[k].dpr)
        }
        policy.zeroGradients()
        policy.backward(dSequenceLogProbs: dseq)
        optimizer.update(parameters: policy.parameters, gradients: policy.gradients, lr: lr)
        return PreferenceStepResult(loss: value, chosenDelta: meanDelta)
    }

    /// `step` with each pair as one shared-trunk row (`train.share_trunk`): pair k's chosen log-prob in
    /// slot 2k, its rejected one in 2k + 1 (a pair whose row would exceed the policy's `maxRow` runs as two rows).
    /// The reference log-probs must come from the same layout (`SequenceScorer.attachReferenceShared`).
    private func sharedStep<Pairs: Collection>(_ pairs: Pairs, lr: Float, stepNumber: Int) throws -> PreferenceStepResult
        where Pairs.Element == PreparedPair {
        let B = pairs.count
        var shared = SharedTrunkBatch(pairs: pairs.map { (chosen: $0.chosen, rejected: $0.rejected) }, maxSequence: policy.maxRow)
        if loss.weighsTails {
            for (k, p) in pairs.enumerated() {
                shared.targets.weigh(slot: 2 * k, from: p.sharedLength, by: Float(loss.ldAlpha))
                shared.targets.weigh(slot: 2 * k + 1, from: p.sharedLength, by: Float(loss.ldAlpha))
            }
        }
        policy.forward(shared)
        return try lossBackwardUpdate(pairs, chosenSlot: { 2 * $0 }, rejectedSlot: { 2 * $0 + 1 }, lr: lr, stepNumber: stepNumber)
    }
}
