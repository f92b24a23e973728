import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop sft`: train a byte-level GPT from scratch, or fine-tune a checkpoint (`--model`), on a JSONL file and save a GPT-2 checkpoint.
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Train a model from scratch (or fine-tune --model DIR) on JSONL text or preference pairs and save a GPT-2 checkpoint.",
        discussion: """
        Each line is {"text": …} (every token scored; long texts are cut into context-sized windows) or a
        preference pair {"prompt": …, "chosen": …, …} (trained on prompt + chosen, loss on the chosen
        tokens and the end-of-text token only). The checkpoint directory holds model.safetensors and
        config.json and loads with transformers' GPT2LMHeadModel.from_pretrained. With --model DIR the text is
        tokenized by DIR's tokenizer, training starts from DIR's weights, and the written folder keeps DIR's
        config.json keys and tokenizer files.
        """
    )

    @Option(help: "JSONL training file.") var data: String
    @Option(help: "Checkpoint directory to write.") var out: String
    @Option(help: "Optimisation steps.") var steps = SFTConfig.Settings.steps.defaultValue
    @Option(help: "Sequences per step.") var batch = SFTConfig.Settings.batch.defaultValue
    @Option(help: "Peak learning rate (linear warm-up, then the schedule).") var lr = SFTConfig.Settings.lr.defaultValue
    @Option(help: "Warm-up steps.") var warmup = SFTConfig.Settings.warmup.defaultValue
    @Option(help: "Schedule after warm-up: cosine or constant.") var decay = SFTConfig.Settings.decay.defaultValue.rawValue
    @Option(help: "AdamW weight decay.") var weightDecay = SFTConfig.Settings.weightDecay.defaultValue
    @Option(help: "Seed for initialisation (without --model) and batch order.") var seed: UInt64 = 0
    @Option(help: "Print the loss every N steps.") var logEvery: Int = 10
    @Flag(help: "Pack each step's sequences back to back into rows of up to the context (each attends to itself): no padding to the longest.")
    var pack = SFTConfig.Settings.pack.defaultValue
    @OptionGroup var model: ModelOptions
    @OptionGroup var threads: ThreadOptions

    /// Which flag sets which setting.
    static let flags = SettingFlags.model + SettingFlags([
        SFTConfig.Settings.steps.key: "steps", SFTConfig.Settings.lr.key: "lr", SFTConfig.Settings.batch.key: "batch",
        SFTConfig.Settings.warmup.key: "warmup", SFTConfig.Settings.weightDecay.key: "weight-decay",
    ])

    /// The SFT settings from the flags, validated with the model's memory plan.
    func sftConfig(_ modelConfig: GPTConfig) throws -> SFTConfig {
        guard let schedule = LearningRateSchedule.Decay(rawValue: decay) else {
            throw ValidationError("--decay must be cosine or constant, got '\(decay)'")
        }
        let config = SFTConfig(steps: steps, batch: batch, lr: lr, warmupSteps: warmup, decay: schedule, seed: seed,
                               adamw: AdamWConfig(weightDecay: weightDecay), pack: pack)
        try Self.flags.validating {
            try modelConfig.validate()
            try config.validate()
            try MemoryPlan.model(modelConfig, maxBatch: batch, maxSequence: modelConfig.contextLength,
                                 batchSetting: SFTConfig.Settings.batch.key, optimizer: true).check()
        }
        return config
    }

    func validate() throws {
        guard logEvery >= 1 else { throw ValidationError("--log-every must be >= 1, got \(logEvery)") }
        _ = try sftConfig(try model.pretrained()?.config ?? model.flagConfig)
    }

    func run() throws {
        threads.apply()
        let start = try model.pretrained()
        let config = start?.config ?? model.flagConfig
        let sft = try sftConfig(config)
        let corpus = try SFTCorpus.load(path: data, contextLength: config.contextLength, tokenizer: start?.tokenizer ?? ByteTokenizer())
        let gpt: GPTModel
        let maxRow = pack ? 2 * config.contextLength : nil  // packed rows hold sequences back to back up to twice the context
        if let start {
            gpt = try start.load(maxBatch: batch, maxRow: maxRow)
        } else {
            gpt = try GPTModel(config: config, maxBatch: batch, maxSequence: config.contextLength, maxRow: maxRow)
            gpt.initializeGPT2(seed: seed)
        }
        print("sft: \(corpus.sequences.count) sequences (\(corpus.textLines) text lines, \(corpus.pairLines) pairs), \(gpt.parameterCount) parameters")
        let trainer = SFTTrainer(model: gpt, config: sft)
        var line = ProgressLine()
        try trainer.train(corpus.sequences) { r in
            let text = String(format: "step %5d/%d  loss %.4f  grad-norm %.3f  lr %.2e  %.0f ms/step",
                              r.step + 1, steps, r.loss, r.gradNorm, r.lr, r.seconds * 1000)
            line.update(text, final: r.step == 0 || (r.step + 1) % max(1, logEvery) == 0 || r.step + 1 == steps)
        }
        line.finish()
        try GPT2Checkpoint.save(gpt, to: URL(fileURLWithPath: out), extraConfig: ["dpop": ["stage": "sft", "steps": steps, "seed": seed]],
                                basedOn: start?.directory)
        print("saved \(out)/model.safetensors and config.json" + (start == nil ? "" : " (with \(start!.directory.path)'s tokenizer files)"))
    }
}
