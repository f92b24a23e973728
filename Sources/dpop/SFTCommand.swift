import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop sft`: train a byte-level GPT from scratch on a JSONL file and save a GPT-2 checkpoint.
struct SFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft",
        abstract: "Train a model from scratch on JSONL text or preference pairs and save a GPT-2 checkpoint.",
        discussion: """
        Each line is {"text": …} (every token scored; long texts are cut into context-sized windows) or a
        preference pair {"prompt": …, "chosen": …, …} (trained on prompt + chosen, loss on the chosen
        tokens and the end-of-text token only). The checkpoint directory holds model.safetensors and
        config.json and loads with transformers' GPT2LMHeadModel.from_pretrained.
        """
    )

    @Option(help: "JSONL training file.") var data: String
    @Option(help: "Checkpoint directory to write.") var out: String
    @Option(help: "Optimisation steps.") var steps: Int = 200
    @Option(help: "Sequences per step.") var batch: Int = 16
    @Option(help: "Peak learning rate (linear warm-up, then cosine).") var lr: Float = 1e-3
    @Option(help: "Warm-up steps.") var warmup: Int = 20
    @Option(help: "Seed for initialisation and batch order.") var seed: UInt64 = 0
    @Option(help: "Print the loss every N steps.") var logEvery: Int = 10
    @OptionGroup var model: ModelOptions
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.apply()
        let config = model.config
        try config.validate()
        let corpus = try SFTCorpus.load(path: data, contextLength: config.contextLength)
        let gpt = try GPTModel(config: config, maxBatch: batch, maxSequence: config.contextLength)
        gpt.initializeGPT2(seed: seed)
        print("sft: \(corpus.sequences.count) sequences (\(corpus.textLines) text lines, \(corpus.pairLines) pairs), \(gpt.parameterCount) parameters")
        let trainer = SFTTrainer(model: gpt, config: SFTConfig(steps: steps, batch: batch, lr: lr, warmupSteps: warmup, seed: seed))
        var line = ProgressLine()
        try trainer.train(corpus.sequences) { r in
            let text = String(format: "step %5d/%d  loss %.4f  grad-norm %.3f  lr %.2e  %.0f ms/step",
                              r.step + 1, steps, r.loss, r.gradNorm, r.lr, r.seconds * 1000)
            line.update(text, final: r.step == 0 || (r.step + 1) % max(1, logEvery) == 0 || r.step + 1 == steps)
        }
        line.finish()
        try GPT2Checkpoint.save(gpt, to: URL(fileURLWithPath: out), extraConfig: ["dpop": ["stage": "sft", "steps": steps, "seed": seed]])
        print("saved \(out)/model.safetensors and config.json")
    }
}
