import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop train`: one preference run from flags — SFT reference, then DPO/DPOP/… policy training.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an SFT reference and a preference-optimised policy; write metrics and checkpoints.",
        discussion: """
        Data comes from --data FILE (JSONL of {"prompt","chosen","rejected"}) or the built-in --task arith.
        Writes OUT/metrics.jsonl (one eval record per eval step: overall and per bucket), OUT/summary.json,
        and the checkpoints OUT/policy/ and OUT/reference/ (GPT-2 format).
        """
    )

    @Option(help: "JSONL preference pairs.") var data: String?
    @Option(help: "Built-in task instead of --data: arith.") var task: String?
    @Option(help: "Pairs to generate for --task arith.") var pairs: Int = 2000
    @Option(help: "Corruption modes for --task arith: MODE[:WEIGHT],… of step, propagate, final, resample.")
    var corruption: String = "step"
    @Option(help: "Equations per arith solution (1–4).") var arithSteps: Int = 2

    @OptionGroup var model: ModelOptions

    @Option(help: "SFT steps for the reference model.") var sftSteps: Int = 400
    @Option(help: "SFT peak learning rate.") var sftLr: Float = 1e-3
    @Option(help: "SFT batch (sequences).") var sftBatch: Int = 32
    @Option(help: "Reuse this reference checkpoint instead of training one.") var reference: String?

    @Option(help: "Preference steps.") var steps: Int = 200
    @OptionGroup var lossOptions: LossOptions
    @Option(help: "Preference peak learning rate.") var lr: Float = 5e-4
    @Option(help: "Pairs per preference step.") var batch: Int = 16
    @Option(help: "Evaluate every N steps (and at step 0 and the end).") var evalEvery: Int = 25
    @Option(help: "Share of pairs held out for evaluation.") var evalFraction: Double = 0.1
    @Option(help: "Seed of initialisation, batch order, split and data.") var seed: UInt64 = 0
    @Option(help: "Edit-distance bucket NAME=LO..HI (repeatable; n:NAME=LO..HI for normalised).")
    var bucket: [String] = []
    @Option(help: "Train and evaluate on this bucket only.") var onlyBucket: String?
    @Option(help: "Output directory.") var out: String?
    @Flag(help: "Do not write policy/ and reference/ checkpoints.") var noCheckpoints = false
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.apply()
        guard (data == nil) != (task == nil) else { throw ValidationError("give exactly one of --data FILE and --task arith") }
        let config = model.config
        try config.validate()
        let lossConfig = try lossOptions.config()

        let source = try TaskSource.load(data: data, task: task, pairs: pairs, corruption: corruption,
                                          arithSteps: arithSteps...arithSteps, seed: seed, context: config.contextLength)
        let runConfig = PreferenceRunConfig(
            model: config,
            sft: SFTConfig(steps: sftSteps, batch: sftBatch, lr: sftLr, warmupSteps: min(50, sftSteps / 10), seed: seed),
            train: PreferenceTrainConfig(steps: steps, batch: batch, lr: lr, evalEvery: evalEvery, seed: seed),
            loss: lossConfig, evalFraction: evalFraction, splitSeed: seed, buckets: bucket, trainBucket: onlyBucket)
        let run = PreferenceRun(config: runConfig, pairs: source.pairs, answerCheck: source.answerCheck)
        run.log = { print($0); fflush(nil) }
        var line = ProgressLine()
        let started = Date()
        let total = steps
        run.onStep = { r in
            let eta = Date().timeIntervalSince(started) / Double(r.step) * Double(total - r.step)
            line.update(String(format: "step %4d/%d  loss %.4f  Δw %+.3f  eta %.0fs", r.step, total, r.loss, r.chosenDelta, eta),
                        final: false)
        }
        run.onEval = { record in
            line.finish()
            print(MetricsFormatter.line(record))
            fflush(nil)
        }
        let referenceModel = try reference.map {
            try GPT2Checkpoint.loadModel(from: URL(fileURLWithPath: $0), maxBatch: max(sftBatch, 2 * batch))
        }
        let records = try run.run(outDirectory: out.map { URL(fileURLWithPath: $0) }, saveCheckpoints: !noCheckpoints,
                                  reference: referenceModel)
        line.finish()
        print(MetricsFormatter.table(first: records.first!, last: records.last!))
        if let out { print("wrote \(out)/metrics.jsonl, \(out)/summary.json" + (noCheckpoints ? "" : ", \(out)/policy/, \(out)/reference/")) }
    }
}
