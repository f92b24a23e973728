import ArgumentParser
import DPOPExperiments
import DPOPTrainer
import Foundation

/// The model of `sft` and `train`: a checkpoint folder to start from (`--model`), or the shape of a
/// byte-level model trained from scratch (the shape flags; an error together with `--model`).
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"),
            help: "Start from this checkpoint folder (config.json, safetensors weights, tokenizer); its config gives the shape.")
    var checkpoint: String?
    @Option(help: "Width of the residual stream (n_embd; default \(GPTConfig.Settings.embedding.defaultValue)).")
    var embedding: Int?
    @Option(help: "Number of transformer blocks (n_layer; default \(GPTConfig.Settings.layers.defaultValue)).")
    var layers: Int?
    @Option(help: "Attention heads per block (n_head; default \(GPTConfig.Settings.heads.defaultValue)); must divide --embedding.")
    var heads: Int?
    @Option(help: "Context length in tokens (n_positions; default \(GPTConfig.Settings.context.defaultValue)).")
    var context: Int?

    /// The shape flags given on the command line, as typed.
    var shapeFlagsGiven: [String] {
        [("--embedding", embedding), ("--layers", layers), ("--heads", heads), ("--context", context)].compactMap { $0.1 == nil ? nil : $0.0 }
    }

    func validate() throws {
        if checkpoint != nil, let flag = shapeFlagsGiven.first {
            throw ValidationError("\(flag) cannot be combined with --model: the model's shape is its config.json's")
        }
    }

    /// The checkpoint `--model` names, opened (config and tokenizer checked); nil without `--model`.
    func pretrained() throws -> PretrainedModel? {
        try checkpoint.map { try PretrainedModel.open(URL(fileURLWithPath: $0)) }
    }

    /// The byte-level shape the flags give (defaults for those not given).
    var flagConfig: GPTConfig {
        GPTConfig(vocabSize: ByteTokenizer.vocabularySize, contextLength: context ?? GPTConfig.Settings.context.defaultValue,
                  layers: layers ?? GPTConfig.Settings.layers.defaultValue, heads: heads ?? GPTConfig.Settings.heads.defaultValue,
                  channels: embedding ?? GPTConfig.Settings.embedding.defaultValue)
    }
}

/// Thread flag shared by commands that train.
struct ThreadOptions: ParsableArguments {
    @Option(name: .customLong(CellInvocation.Option.threads),
            help: "Threads for BLAS and the row-parallel kernels (default: all cores).")
    var threads: Int?

    /// More threads than this is a typing error, not a machine.
    static let maximum = 4096

    func validate() throws {
        if let threads, !(1...Self.maximum).contains(threads) {
            throw ValidationError("--threads must be in 1...\(Self.maximum), got \(threads)")
        }
    }

    func apply() {
        if let threads {
            Parallel.setProcessWorkers(threads)
        }
    }
}
