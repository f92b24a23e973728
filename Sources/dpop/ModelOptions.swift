import ArgumentParser
import DPOPExperiments
import DPOPTrainer

/// Model-shape flags shared by `sft`, `train` and `bench`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Width of the residual stream (n_embd).")
    var embedding: Int = GPTConfig.Settings.embedding.defaultValue
    @Option(help: "Number of transformer blocks (n_layer).")
    var layers: Int = GPTConfig.Settings.layers.defaultValue
    @Option(help: "Attention heads per block (n_head); must divide --embedding.")
    var heads: Int = GPTConfig.Settings.heads.defaultValue
    @Option(help: "Context length in tokens (n_positions).")
    var context: Int = GPTConfig.Settings.context.defaultValue

    var contextLength: Int { context }

    var config: GPTConfig {
        GPTConfig(vocabSize: ByteTokenizer.vocabularySize, contextLength: context, layers: layers, heads: heads, channels: embedding)
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
