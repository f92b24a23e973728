import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop bench`: time training steps on random byte pairs or built-in arith pairs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training steps, or scoring, on random byte pairs or arith pairs (batch pairs = 2·batch sequences).",
        discussion: """
            A preference --loss times PreferenceTrainer's own step; --score times forward-only scoring of the             batch's chosen and rejected sequences. The memory plan is printed first.
            --pairs arith times the built-in arith task's first --batch pairs (as `dpop data generate arith` makes them, \
            byte tokens, the model's context --context or 128) instead of random pairs of --prompt-length + \
            --completion-length tokens. Tokens per step are 2 · pairs · (prompt + completion) at the real lengths; \
            the trunk share is the part of them a shared trunk (prompt + common completion prefix) computes once \
            instead of twice. --write-pairs writes the pairs' token ids for bench/pytorch_bench.py and bench/trl_bench.py.
            With --json the last line is one JSON object: tokens_per_s, tokens_per_step, trunk_saved_share, pairs_per_s, \
            sec_per_step_median, parameters, config.
            """
    )

    private typealias Defaults = BenchmarkConfig.Settings
    @Option(help: "Width of the residual stream.") var embedding = Defaults.embedding.defaultValue
    @Option(help: "Transformer blocks.") var layers = Defaults.layers.defaultValue
    @Option(help: "Attention heads.") var heads = Defaults.heads.defaultValue
    @Option(help: "Vocabulary size (the sequences use byte tokens; a larger vocabulary costs the LM head).")
    var vocab = Defaults.vocab.defaultValue
    @Option(help: "Context of the model's position table (default: prompt + completion).") var context: Int?
    @Option(help: "Pairs per step (2·batch sequences).") var batch = Defaults.batch.defaultValue
    @Option(help: "Prompt tokens per sequence (not scored).") var promptLength = Defaults.promptLength.defaultValue
    @Option(help: "Completion tokens per sequence (scored).") var completionLength = Defaults.completionLength.defaultValue
    @Option(help: "Timed steps.") var steps = Defaults.steps.defaultValue
    @Option(help: "Untimed warm-up steps.") var warmup = Defaults.warmup.defaultValue
    @Option(help: "Threads for BLAS and the kernels.") var threads = Defaults.threads.defaultValue
    @Option(help: "Which pairs to time: random (byte pairs of --prompt-length + --completion-length) or arith (built-in task).")
    var pairs: String = "random"
    @Option(help: "With --pairs arith: corruption modes MODE[:WEIGHT],… of step, propagate, final, resample.")
    var corruption: String = "step"
    @Option(help: "With --pairs arith: equations per solution, K or LO-HI within 1-4.") var arithSteps: String = "2"
    @Option(help: "With --pairs arith: largest number a problem states (5-999).")
    var maxNumber = ArithTaskConfig.Settings.maxNumber.defaultValue
    @Option(help: "Seed of the model's initialisation and of the pairs.") var seed: UInt64 = 0
    @Option(help: "Write the timed pairs' token ids as JSONL (prompt, chosen, rejected; completions end in 256).")
    var writePairs: String?
    @Option(help: "Which step to time: sft, or a preference loss (dpo, dpop, …).") var loss: String = "sft"
    @Option(help: "β for preference losses.") var beta = PreferenceLossConfig.Settings.beta.defaultValue
    @Option(name: .customLong("lambda"), help: "λ for dpop.") var lambdaValue = PreferenceLossConfig.Settings.lambda.defaultValue
    @Flag(help: "Time scoring (forward only, no backward) instead of a training step.") var score = false
    @Flag(help: "With --score or --loss sft: time padded rows and packed rows (several sequences a row, each attending to itself) alternately, and their ratio.")
    var pack = false
    @Flag(help: "Also measure cblas_sgemm GFLOP/s on a 1024² product.") var sgemm = false
    @Flag(help: "Time greedy decoding instead: --batch prompts of --prompt-length bytes, up to --completion-length new tokens, with the KV cache and by full forwards.")
    var decode = false
    @Flag(help: "With a preference --loss: time the step with separate rows and with shared-trunk rows (one row per pair), alternating, and print the ratio.")
    var shareTrunk = false
    @Flag(help: "Print the result as one JSON object on the last line.") var json = false

    /// Which flag sets which setting.
    static let flags = SettingFlags([
        Defaults.embedding.key: "embedding", Defaults.layers.key: "layers", Defaults.heads.key: "heads",
        Defaults.vocab.key: "vocab", Defaults.context.key: "context",
        Defaults.batch.key: "batch", Defaults.promptLength.key: "prompt-length",
        Defaults.completionLength.key: "completion-length", Defaults.steps.key: "steps", Defaults.warmup.key: "warmup",
        Defaults.threads.key: "threads",
    ]) + SettingFlags.loss

    /// The benchmark's settings from the flags, validated (ranges and memory).
    func benchmarkConfig() throws -> BenchmarkConfig {
        var c = BenchmarkConfig()
        c.embedding = embedding; c.layers = layers; c.heads = heads; c.batch = batch
        c.vocab = vocab; c.context = context
        c.promptLength = promptLength; c.completionLength = completionLength
        c.steps = steps; c.warmup = warmup; c.threads = threads; c.seed = seed
        switch pairs {
        case "random":
            break
        case "arith":
            c.arith = ArithTaskConfig(count: max(batch, BenchmarkPairs.minimumArithCount),
                                      steps: try ArithTaskConfig.parseSteps(arithSteps), maxNumber: maxNumber,
                                      corruption: try ArithCorruptionMix(parsing: corruption), seed: seed,
                                      maxContext: context ?? ArithTaskConfig.Settings.context.defaultValue)
        default:
            throw ValidationError("--pairs must be random or arith, got '\(pairs)'")
        }
        try Self.flags.validating { try c.validate() }
        return c
    }

    /// The preference loss to time, or nil for an SFT step.
    func lossConfig() throws -> PreferenceLossConfig? {
        if loss == "sft" { return nil }
        guard let kind = PreferenceLossKind.named(loss) else {
            throw ValidationError("--loss must be sft or one of \(PreferenceLossKind.allNames.joined(separator: ", ")), got '\(loss)'")
        }
        let config = PreferenceLossConfig(kind: kind, beta: beta, lambda: lambdaValue)
        try Self.flags.validating { try config.validate() }
        return config
    }

    func validate() throws {
        _ = try benchmarkConfig()
        let loss = try lossConfig()
        if pack && !(score || (loss == nil && !decode)) { throw ValidationError("--pack times scoring or SFT steps: give --score or --loss sft") }
        if shareTrunk && (loss == nil || score || decode) {
            throw ValidationError("--share-trunk times a preference step: give --loss dpo, dpop, … (not sft, --score or --decode)")
        }
    }

    func run() throws {
        let c = try benchmarkConfig()
        if decode {
            let r = try DecodingBenchmark.run(c)
            print(String(format: "greedy decoding of %d prompts (%d generated tokens): KV cache %.1f ms, full forwards %.1f ms median; %.1fx; identical tokens: %@",
                         r.prompts, r.generated_tokens, r.cached_sec_median * 1000, r.full_forwards_sec_median * 1000, r.speedup,
                         r.identical ? "yes" : "NO"))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(r), as: UTF8.self))
            }
            guard r.identical else { throw ExitCode.failure }
            return
        }
        var sgemmRate: Double?
        if sgemm {
            let rate = TrainingBenchmark.sgemmGFLOPS(n: 1024, threads: threads)
            sgemmRate = rate
            print(String(format: "sgemm 1024²: %.1f GFLOP/s (%d threads)", rate, threads))
        }
        for part in c.memoryPlan(training: !score).parts {
            print("plan: \(part.what): \(part.bytes.map(MemoryPlan.format) ?? "overflow")")
        }
        if let writePairs {
            try BenchmarkPairs(c).writeIDs(to: URL(fileURLWithPath: writePairs))
            print("wrote \(c.batch) pairs' token ids to \(writePairs)")
        }
        if shareTrunk, let lossConfig = try lossConfig() {
            let r = try TrainingBenchmark.runPreferenceSharing(c, loss: lossConfig)
            print(String(format: "%@ step, separate rows: %.2f ms median, %.0f tokens/s", r.separate.loss,
                         r.separate.sec_per_step_median * 1000, r.separate.tokens_per_s))
            print(String(format: "%@ step, shared trunk (%d rows): %.2f ms median, %.0f tokens/s", r.shared.loss, r.shared_rows,
                         r.shared.sec_per_step_median * 1000, r.shared.tokens_per_s))
            print(String(format: "%@ pairs: %d tokens per step, %.1f%% of them in shared trunks; shared / separate speed %.2fx",
                         r.separate.pairs, r.separate.tokens_per_step, 100 * r.separate.trunk_saved_share, r.speedup))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(r), as: UTF8.self))
            }
            return
        }
        if pack {
            let r = score ? try TrainingBenchmark.runScoringPacked(c) : try TrainingBenchmark.runSFTPacked(c)
            let what = score ? "scoring" : "sft step"
            print(String(format: "%@, padded rows (%d positions): %.2f ms median, %.0f tokens/s", what, r.padded_positions,
                         r.padded.sec_per_step_median * 1000, r.padded.tokens_per_s))
            print(String(format: "%@, packed rows (%d rows, %d positions): %.2f ms median, %.0f tokens/s; packed / padded speed %.2fx",
                         what, r.packed_rows, r.packed_positions, r.packed.sec_per_step_median * 1000, r.packed.tokens_per_s, r.speedup))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(r), as: UTF8.self))
            }
            return
        }
        let result: BenchmarkResult
        if score {
            result = try TrainingBenchmark.runScoring(c)
        } else if let lossConfig = try lossConfig() {
            result = try TrainingBenchmark.runPreference(c, loss: lossConfig)
        } else {
            result = try TrainingBenchmark.runSFT(c)
        }
        print(String(format: "%@ step: %.2f ms median, %.0f tokens/s, %.2f pairs/s, %.2f GFLOP/s effective, %d parameters",
                     result.loss, result.sec_per_step_median * 1000, result.tokens_per_s, result.pairs_per_s,
                     result.effective_gflops, result.parameters))
        print(String(format: "%@ pairs: %d tokens per step, %.1f%% of them in shared trunks (prompt + common completion prefix)",
                     result.pairs, result.tokens_per_step, 100 * result.trunk_saved_share))
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
