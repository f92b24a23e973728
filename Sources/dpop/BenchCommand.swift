import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop bench`: time training steps on random byte sequences.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training steps on random byte sequences (batch pairs = 2·batch sequences).",
        discussion: "With --json the last line is one JSON object: tokens_per_s, sec_per_step_median, parameters, config."
    )

    @Option(help: "Width of the residual stream.") var embedding: Int = 128
    @Option(help: "Transformer blocks.") var layers: Int = 4
    @Option(help: "Attention heads.") var heads: Int = 4
    @Option(help: "Pairs per step (2·batch sequences).") var batch: Int = 16
    @Option(help: "Prompt tokens per sequence (not scored).") var promptLength: Int = 32
    @Option(help: "Completion tokens per sequence (scored).") var completionLength: Int = 32
    @Option(help: "Timed steps.") var steps: Int = 20
    @Option(help: "Untimed warm-up steps.") var warmup: Int = 3
    @Option(help: "Threads for BLAS and the kernels.") var threads: Int = 2
    @Option(help: "Which step to time: sft, or a preference loss (dpo, dpop, …).") var loss: String = "sft"
    @Option(help: "β for preference losses.") var beta: Double = 0.1
    @Option(name: .customLong("lambda"), help: "λ for dpop.") var lambdaValue: Double = 50
    @Flag(help: "Also measure cblas_sgemm GFLOP/s on a 1024² product.") var sgemm = false
    @Flag(help: "Print the result as one JSON object on the last line.") var json = false

    func run() throws {
        var c = BenchmarkConfig()
        c.embedding = embedding; c.layers = layers; c.heads = heads; c.batch = batch
        c.promptLength = promptLength; c.completionLength = completionLength
        c.steps = steps; c.warmup = warmup; c.threads = threads
        var sgemmRate: Double?
        if sgemm {
            let rate = TrainingBenchmark.sgemmGFLOPS(n: 1024, threads: threads)
            sgemmRate = rate
            print(String(format: "sgemm 1024²: %.1f GFLOP/s (%d threads)", rate, threads))
        }
        let result: BenchmarkResult
        switch loss {
        case "sft": result = try TrainingBenchmark.runSFT(c)
        default:
            guard let kind = PreferenceLossKind(rawValue: loss) else {
                throw ValidationError("--loss must be sft or one of \(PreferenceLossKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(loss)'")
            }
            result = try TrainingBenchmark.runPreference(c, loss: PreferenceLossConfig(kind: kind, beta: beta, lambda: lambdaValue))
        }
        print(String(format: "%@ step: %.2f ms median, %.0f tokens/s, %.2f GFLOP/s effective, %d parameters",
                     result.loss, result.sec_per_step_median * 1000, result.tokens_per_s, result.effective_gflops, result.parameters))
        if let sgemmRate {
            print(String(format: "effective / sgemm rate: %.0f%%", 100 * result.effective_gflops / sgemmRate))
        }
        if json {
            var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as! [String: Any]
            if let sgemmRate { object["sgemm_gflops"] = sgemmRate }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
