import ArgumentParser
import DPOPExperiments
import DPOPTrainer

/// Model-shape flags shared by `sft`, `train` and `bench`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Width of the residual stream (n_embd).")
    var embedding: Int = 128
    @Option(help: "Number of transformer blocks (n_layer).")
    var layers: Int = 4
    @Option(help: "Attention heads per block (n_head); must divide --embedding.")
    var heads: Int = 4
    @Option(help: "Context length in tokens (n_positions).")
    var context: Int = 128

    var config: GPTConfig {
        GPTConfig(vocabSize: ByteTokenizer.vocabularySize, contextLength: context, layers: layers, heads: heads, channels: embedding)
    }
}

/// Thread flag shared by commands that train.
struct ThreadOptions: ParsableArguments {
    @Option(name: .customLong(CellInvocation.Option.threads),
            help: "Threads for BLAS and the row-parallel kernels (default: all cores).")
    var threads: Int?

    func apply() {
        if let threads {
            Parallel.workers = max(1, min(Parallel.maxWorkers, threads))
        }
    }
}
