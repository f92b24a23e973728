import ArgumentParser
import DPOPExperiments
import DPOPTrainer
import Foundation

/// `dpop train`: one preference run from flags — SFT reference, then DPO/DPOP/… policy training.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an SFT reference and a preference-optimised policy; write metrics and checkpoints.",
        discussion: """
        Data comes from --data FILE (JSONL of {"prompt","chosen","rejected"}) or the built-in --task arith.
        The model is byte-level from scratch (shape flags), or --model DIR: a GPT-2 checkpoint folder with its
        tokenizer, the start of the SFT reference (--sft-steps 0: it is the reference).
        Writes OUT/metrics.jsonl (one eval record per eval step: overall and per bucket), OUT/summary.json,
        and the checkpoints OUT/policy/ and OUT/reference/ (GPT-2 format).
        """
    )

    @Option(help: "JSONL preference pairs.") var data: String?
    @Option(help: "Built-in task instead of --data: arith.") var task: String?
    @Option(help: "Pairs to generate for --task arith.") var pairs = ArithTaskConfig.Settings.pairs.defaultValue
    @Option(help: "Corruption modes for --task arith: MODE[:WEIGHT],… of step, propagate, final, resample.")
    var corruption: String = ArithTaskConfig.Settings.corruption.defaultValue.description
    @Option(help: "Equations per arith solution (1–4).") var arithSteps = ArithTaskConfig.Settings.steps.defaultValue

    @OptionGroup var model: ModelOptions

    @Option(help: "SFT steps for the reference model (0 with --model: the model is the reference).") var sftSteps = SFTConfig.Settings.steps.defaultValue
    @Option(help: "SFT peak learning rate.") var sftLr = SFTConfig.Settings.lr.defaultValue
    @Option(help: "SFT batch (sequences).") var sftBatch = SFTConfig.Settings.batch.defaultValue
    @Option(help: "SFT warm-up steps.") var sftWarmup = SFTConfig.Settings.warmup.defaultValue
    @Option(help: "SFT schedule after warm-up: cosine or constant.") var sftDecay = SFTConfig.Settings.decay.defaultValue.rawValue
    @Option(help: "SFT AdamW weight decay.") var sftWeightDecay = SFTConfig.Settings.weightDecay.defaultValue
    @Option(help: "Fresh arith problems the reference learns from (with --task arith), instead of the training split's chosen answers; those whose prompt is an eval prompt are left out.")
    var sftProblems: Int?
    @Flag(help: "Pack each SFT step's sequences back to back into rows of up to the context (sft.pack).")
    var sftPack = SFTConfig.Settings.pack.defaultValue
    @Option(help: "Reuse this reference checkpoint instead of training one (without --model, its shape and tokenizer are the run's).")
    var reference: String?

    @Option(help: "Preference steps.") var steps = PreferenceTrainConfig.Settings.steps.defaultValue
    @OptionGroup var lossOptions: LossOptions
    @Option(help: "Preference peak learning rate.") var lr = PreferenceTrainConfig.Settings.lr.defaultValue
    @Option(help: "Pairs per preference step.") var batch = PreferenceTrainConfig.Settings.batch.defaultValue
    @Option(help: "Preference warm-up steps.") var warmup = PreferenceTrainConfig.Settings.warmup.defaultValue
    @Option(help: "Preference schedule after warm-up: constant or cosine.")
    var decay = PreferenceTrainConfig.Settings.decay.defaultValue.rawValue
    @Option(help: "Preference AdamW weight decay.") var weightDecay = PreferenceTrainConfig.Settings.weightDecay.defaultValue
    @Option(help: "Evaluate every N steps (and at step 0 and the end).") var evalEvery = PreferenceTrainConfig.Settings.evalEvery.defaultValue
    @Option(help: "Eval pairs decoded for task/accuracy (at every eval step).")
    var taskEvalPairs = PreferenceTrainConfig.Settings.taskEvalPairs.defaultValue
    @Option(help: "Tokens on each side of the first difference in the eval's displacement profile (0: off).")
    var profileRadius = PreferenceTrainConfig.Settings.profileRadius.defaultValue
    @Option(help: "Eval pairs (the first N) whose gradient entanglement is measured at every eval step (0: off; two backward passes per pair).")
    var entanglementPairs = PreferenceTrainConfig.Settings.entanglementPairs.defaultValue
    @Flag(help: "Write pairs.jsonl into --out: every pair's edit distances, CHES under the reference, and Δw, Δl at the end.")
    var pairRecords = false
    @Flag(inversion: .prefixedNo,
          help: "Run each pair as one shared-trunk row (prompt + common prefix once) in the step, the reference scoring and the evaluation; --no-share-trunk keeps two sequences per pair.")
    var shareTrunk = PreferenceTrainConfig.Settings.shareTrunk.defaultValue
    @Option(help: "Share of pairs held out for evaluation.") var evalFraction = PreferenceRunConfig.Settings.evalFraction.defaultValue
    @Option(help: "Seed of initialisation, batch order, split and data.") var seed: UInt64 = 0
    @Option(help: "Seed of the reference only (its initialisation and SFT order), of the split and of --task arith's pairs, so runs that differ in --seed share one reference (default: --seed).")
    var sftSeed: UInt64?
    @Option(help: "Bucket NAME=LO..HI (repeatable): edit distance by default (n:NAME=LO..HI for normalised), else of --bucket-by, or quantiles with --quantile-buckets.")
    var bucket: [String] = []
    @Option(help: "Statistic the buckets are defined on: \(PairStatistic.names) (ches*: under the reference, after SFT).")
    var bucketBy: String?
    @Flag(help: "Bucket bounds are quantiles in [0, 1] of the training split's statistic: [lo, hi), the last [lo, 1].")
    var quantileBuckets = false
    @Option(help: "Train and evaluate on this bucket only.") var onlyBucket: String?
    @Option(help: "Output directory.") var out: String?
    @Flag(help: "Do not write policy/ and reference/ checkpoints.") var noCheckpoints = false
    @OptionGroup var threads: ThreadOptions

    /// Which flag sets which setting.
    static let flags = SettingFlags.model + SettingFlags.loss + SettingFlags([
        ArithTaskConfig.Settings.pairs.key: "pairs", ArithTaskConfig.Settings.steps.key: "arith-steps",
        SFTConfig.Settings.steps.key: "sft-steps", SFTConfig.Settings.lr.key: "sft-lr", SFTConfig.Settings.batch.key: "sft-batch",
        SFTConfig.Settings.warmup.key: "sft-warmup", SFTConfig.Settings.weightDecay.key: "sft-weight-decay",
        SFTConfig.Settings.problems.key: "sft-problems",
        PreferenceTrainConfig.Settings.steps.key: "steps", PreferenceTrainConfig.Settings.lr.key: "lr",
        PreferenceTrainConfig.Settings.batch.key: "batch", PreferenceTrainConfig.Settings.warmup.key: "warmup",
        PreferenceTrainConfig.Settings.weightDecay.key: "weight-decay", PreferenceTrainConfig.Settings.evalEvery.key: "eval-every",
        PreferenceTrainConfig.Settings.taskEvalPairs.key: "task-eval-pairs",
        PreferenceTrainConfig.Settings.profileRadius.key: "profile-radius",
        PreferenceTrainConfig.Settings.entanglementPairs.key: "entanglement-pairs",
        PreferenceTrainConfig.Settings.shareTrunk.key: "share-trunk",
        PreferenceRunConfig.Settings.evalFraction.key: "eval-fraction",
    ])

    /// Whether the SFT stage runs: not with a given reference, nor with `--model` and `--sft-steps 0`.
    var sftStageRuns: Bool { reference == nil && !(model.checkpoint != nil && sftSteps == 0) }

    /// The checkpoint the run starts from: `--model`, else the `--reference` folder (its shape and
    /// tokenizer; shape flags, if given, must match it), else nil for a byte-level model from scratch.
    func startModel() throws -> PretrainedModel? {
        if let start = try model.pretrained() { return start }
        guard let reference else { return nil }
        let folder = try PretrainedModel.open(URL(fileURLWithPath: reference))
        let flags = model.flagConfig, c = folder.config
        if !model.shapeFlagsGiven.isEmpty,
           (flags.vocabSize, flags.layers, flags.heads, flags.channels, flags.contextLength) != (c.vocabSize, c.layers, c.heads, c.channels, c.contextLength) {
            throw ValidationError("the shape flags (\(model.shapeFlagsGiven.joined(separator: ", "))) differ from --reference \(reference)'s config.json "
                                  + "(n_layer \(c.layers), n_head \(c.heads), n_embd \(c.channels), n_positions \(c.contextLength), vocab_size \(c.vocabSize)); leave them out")
        }
        return folder
    }

    /// What seeds the reference, the split and the generated pairs.
    var referenceSeed: UInt64 { sftSeed ?? seed }

    /// The run's configuration from the flags, validated (ranges and memory) by the trainer's rules.
    func runConfig(start: PretrainedModel?) throws -> PreferenceRunConfig {
        guard let sftSchedule = LearningRateSchedule.Decay(rawValue: sftDecay) else {
            throw ValidationError("--sft-decay must be cosine or constant, got '\(sftDecay)'")
        }
        guard let schedule = LearningRateSchedule.Decay(rawValue: decay) else {
            throw ValidationError("--decay must be cosine or constant, got '\(decay)'")
        }
        let config = PreferenceRunConfig(
            model: start?.config ?? model.flagConfig,
            sft: SFTConfig(steps: sftSteps, batch: sftBatch, lr: sftLr, warmupSteps: sftWarmup, decay: sftSchedule, seed: referenceSeed,
                           adamw: AdamWConfig(weightDecay: sftWeightDecay), problems: sftProblems, pack: sftPack),
            train: PreferenceTrainConfig(steps: steps, batch: batch, lr: lr, warmupSteps: warmup, decay: schedule,
                                         evalEvery: evalEvery, seed: seed, adamw: AdamWConfig(weightDecay: weightDecay),
                                         taskEvalPairs: taskEvalPairs, profileRadius: profileRadius,
                                         entanglementPairs: entanglementPairs, pairRecords: pairRecords, shareTrunk: shareTrunk),
            loss: try lossOptions.config(), evalFraction: evalFraction, splitSeed: referenceSeed, buckets: bucket, trainBucket: onlyBucket,
            bucketBy: try bucketStatistic(), quantileBuckets: quantileBuckets ? true : nil)
        try Self.flags.validating { try config.validate(pairs: task == nil ? nil : pairs, sftStage: sftStageRuns) }
        return config
    }

    /// `--bucket-by` as a statistic: nil for the default edit distance, whose buckets keep their own syntax.
    func bucketStatistic() throws -> PairStatistic? {
        guard let bucketBy else { return nil }
        guard let statistic = PairStatistic(rawValue: bucketBy) else {
            throw ValidationError("--bucket-by must be one of \(PairStatistic.names), got '\(bucketBy)'")
        }
        return statistic == .editDistance ? nil : statistic
    }

    func validate() throws {
        guard (data == nil) != (task == nil) else { throw ValidationError("give exactly one of --data FILE and --task arith") }
        if let task, task != "arith" { throw ValidationError("unknown --task '\(task)'; the built-in task is arith") }
        if pairRecords && out == nil { throw ValidationError("--pair-records writes pairs.jsonl into the run's folder; give --out DIR") }
        if sftProblems != nil && task == nil { throw ValidationError("--sft-problems needs --task arith (it generates the problems); a --data file's chosen answers are the SFT data") }
        if sftSteps == 0 && model.checkpoint == nil && reference == nil {
            throw ValidationError("--sft-steps 0 needs --model DIR (the pretrained model is then the reference)")
        }
        let start = try startModel()
        if task != nil {
            try Self.flags.validating {
                try ArithTaskConfig(count: pairs, steps: arithSteps...arithSteps,
                                    maxContext: start?.config.contextLength ?? model.flagConfig.contextLength).validate()
            }
        }
        _ = try runConfig(start: start)
    }

    /// The data flags as a data section, read by the one loader specs use too.
    var dataSpec: ExperimentDataSpec {
        ExperimentDataSpec(task: task, path: data, pairs: pairs, corruption: corruption, steps: arithSteps,
                           maxNumber: ArithTaskConfig.Settings.maxNumber.defaultValue, seed: referenceSeed,
                           evalFraction: evalFraction, buckets: bucket)
    }

    func run() throws {
        threads.apply()
        let start = try startModel()
        let runConfig = try runConfig(start: start)
        let tokenizer = start?.tokenizer ?? ByteTokenizer()
        let (loadedPairs, _) = try Self.flags.validating {
            try DatasetLoader.load(dataSpec, context: runConfig.model.contextLength, tokenizer: tokenizer)
        }
        let run = PreferenceRun(config: runConfig, pairs: loadedPairs, answerCheck: AnswerCheck.arith, start: start)
        run.log = { print($0); fflush(nil) }
        if let sftProblems {
            run.sftProblems = try DatasetLoader.sftProblems(dataSpec, count: sftProblems, referenceSeed: referenceSeed,
                                                            context: runConfig.model.contextLength)
        }
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
        var referenceModel: GPTModel?
        if let reference {
            let folder = try PretrainedModel.open(URL(fileURLWithPath: reference))
            guard folder.config == runConfig.model else {
                throw ValidationError("--reference \(reference) has another shape than --model (compare their config.json)")
            }
            referenceModel = try folder.load(maxBatch: runConfig.referenceBatch)
        } else if let start, !sftStageRuns {
            print("reference: the pretrained model \(start.directory.path) (--sft-steps 0)")
            referenceModel = try start.load(maxBatch: runConfig.referenceBatch)
        }
        let records = try run.run(outDirectory: out.map { URL(fileURLWithPath: $0) },
                                  outputs: noCheckpoints ? [.summary] : [.summary, .checkpoints], reference: referenceModel)
        line.finish()
        print(MetricsFormatter.table(first: records.first!, last: records.last!))
        if let out { print("wrote \(out)/metrics.jsonl, \(out)/summary.json" + (pairRecords ? ", \(out)/pairs.jsonl" : "") + (noCheckpoints ? "" : ", \(out)/policy/, \(out)/reference/")) }
    }
}
