import CBLAS
import Foundation

/// What `dpop bench` measures: a model shape, a batch of pairs, and how many steps to time.
public struct BenchmarkConfig: Codable, Equatable, Sendable {
    public var embedding = Settings.embedding.defaultValue
    public var layers = Settings.layers.defaultValue
    public var heads = Settings.heads.defaultValue
    public var batch = Settings.batch.defaultValue
    public var promptLength = Settings.promptLength.defaultValue
    public var completionLength = Settings.completionLength.defaultValue
    public var steps = Settings.steps.defaultValue
    public var warmup = Settings.warmup.defaultValue
    public var threads = Settings.threads.defaultValue
    public var seed: UInt64 = 0

    /// The benchmark's settings (`dpop bench`'s flags, `bench.*`), with their defaults and ranges.
    public enum Settings {
        public static let embedding = Setting<Int>("bench.embedding", default: 128, .atLeast(1))
        public static let layers = Setting<Int>("bench.layers", default: 4, .atLeast(1))
        public static let heads = Setting<Int>("bench.heads", default: 4, .atLeast(1))
        public static let batch = Setting<Int>("bench.batch", default: 16, .closed(1, 1e9))
        public static let promptLength = Setting<Int>("bench.prompt_length", default: 32, .closed(1, 1e9))
        public static let completionLength = Setting<Int>("bench.completion_length", default: 32, .closed(1, 1e9))
        public static let steps = Setting<Int>("bench.steps", default: 20, .closed(1, 1e9))
        public static let warmup = Setting<Int>("bench.warmup", default: 3, .closed(0, 1e9))
        public static let threads = Setting<Int>("bench.threads", default: 2, .closed(1, 1e6))
    }

    public init() {}

    /// Tokens one step processes: 2·batch sequences (chosen and rejected) of prompt + completion.
    public var tokensPerStep: Int { 2 * batch * (promptLength + completionLength) }

    /// The model the benchmark builds (context = prompt + completion).
    public var model: GPTConfig {
        GPTConfig(contextLength: promptLength + completionLength, layers: layers, heads: heads, channels: embedding)
    }

    /// Throws `DPOPError.invalidSetting` naming the first setting out of range or a model too large for memory.
    public func validate() throws(DPOPError) {
        try DPOPError.checkingSettings { () throws(SettingError) in
            try Settings.embedding.check(embedding)
            try Settings.layers.check(layers)
            try Settings.heads.check(heads)
            try Settings.batch.check(batch)
            try Settings.promptLength.check(promptLength)
            try Settings.completionLength.check(completionLength)
            try Settings.steps.check(steps)
            try Settings.warmup.check(warmup)
            try Settings.threads.check(threads)
            try GPTConfig.checkHeadsDivide(embedding, heads, embeddingKey: Settings.embedding.key, headsKey: Settings.heads.key)
        }
        // Two models of 2·batch rows: the policy and the frozen copy that scores the reference.
        let plan = MemoryPlan.model(model, maxBatch: 2 * batch, maxSequence: promptLength + completionLength,
                                    batchSetting: Settings.batch.key, batchDefault: 2 * Settings.batch.defaultValue,
                                    optimizer: true)
        let parts = plan.parts.map { part -> MemoryPlan.Part in
            var part = part
            if part.setting == Settings.batch.key { part.value = String(batch) } // the flag's value, not the 2·batch rows
            // The benchmark's shape flags are its own settings.
            if let own = ["model.layers": Settings.layers.key, "model.embedding": Settings.embedding.key,
                          "model.context": Settings.promptLength.key][part.setting] { part.setting = own }
            return part
        }
        try MemoryPlan(parts: parts + parts).check()
    }
}

/// Timings of a benchmark run; field names are the JSON keys `dpop bench --json` prints.
public struct BenchmarkResult: Codable, Sendable {
    public var impl = "dpop"
    public var loss: String
    public var tokens_per_s: Double
    public var sec_per_step_median: Double
    public var sec_per_step_min: Double
    public var parameters: Int
    /// 6·params·tokens + attention (12·L·C·T per token), forward and backward.
    public var flops_per_step: Double
    public var effective_gflops: Double
    public var threads: Int
    public var config: BenchmarkConfig
}

/// Times training steps on random byte sequences (`dpop bench`).
public enum TrainingBenchmark {
    /// The model, batch and step timer both benchmarks share.
    private struct Setup {
        let model: GPTModel
        let tokens: [Int32], targets: [Int32], mask: [Float]
        let rows: Int, T: Int

        init(_ c: BenchmarkConfig) throws {
            try c.validate()
            Parallel.setProcessWorkers(c.threads)  // dpop bench is one benchmark per process
            T = c.promptLength + c.completionLength
            rows = 2 * c.batch
            model = try GPTModel(config: c.model, maxBatch: rows, maxSequence: T)
            model.initializeGPT2(seed: c.seed)
            (tokens, targets, mask) = randomBatch(rows: rows, prompt: c.promptLength, completion: c.completionLength, seed: c.seed)
        }

        /// Forward over the batch.
        func forward(_ m: GPTModel) { m.forward(tokens: tokens, targets: targets, mask: mask, B: rows, T: T) }

        /// Seconds of each timed step (warm-up steps run but are not timed).
        func time(_ c: BenchmarkConfig, step: () -> Void) -> [Double] {
            var times: [Double] = []
            for i in 0..<(c.warmup + c.steps) {
                let start = DispatchTime.now().uptimeNanoseconds
                step()
                if i >= c.warmup { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }
            return times
        }
    }

    /// Median-timed SFT steps (forward, backward, clip, AdamW) with loss on the completion tokens.
    public static func runSFT(_ c: BenchmarkConfig) throws -> BenchmarkResult {
        let s = try Setup(c)
        let optimizer = AdamW(layout: s.model.layout)
        let times = s.time(c) {
            s.forward(s.model)
            s.model.zeroGradients()
            s.model.backwardMeanCrossEntropy()
            optimizer.update(parameters: s.model.parameters, gradients: s.model.gradients, lr: 3e-4)
        }
        return result(loss: "sft", times: times, model: s.model, config: c)
    }

    /// Median-timed preference steps: reference log-probs precomputed once by a frozen copy, then
    /// forward of chosen and rejected rows, the loss's sequence gradients, backward, clip, AdamW.
    public static func runPreference(_ c: BenchmarkConfig, loss: PreferenceLossConfig) throws -> BenchmarkResult {
        let s = try Setup(c)
        let policy = s.model
        let reference = try GPTModel(config: policy.config, maxBatch: s.rows, maxSequence: s.T)
        reference.copyParameters(from: policy)
        s.forward(reference)
        let refLogps = (0..<s.rows).map { Double(reference.sequenceLogProbs[$0]) }
        let optimizer = AdamW(layout: policy.layout)
        var dseq = [Float](repeating: 0, count: s.rows)
        let times = s.time(c) {
            s.forward(policy)
            let pairs = (0..<c.batch).map { k in
                PairLogProbs(pc: Double(policy.sequenceLogProbs[k]), pr: Double(policy.sequenceLogProbs[c.batch + k]),
                             rc: refLogps[k], rr: refLogps[c.batch + k], nc: c.completionLength, nr: c.completionLength)
            }
            let grads = loss.lossAndGradients(pairs).grads
            for k in 0..<c.batch {
                dseq[k] = Float(grads[k].dpc)
                dseq[c.batch + k] = Float(grads[k].dpr)
            }
            policy.zeroGradients()
            policy.backward(dSequenceLogProbs: dseq)
            optimizer.update(parameters: policy.parameters, gradients: policy.gradients, lr: 3e-4)
        }
        return result(loss: loss.kind.rawValue, times: times, model: policy, config: c)
    }

    /// Assembles the result record from per-step times.
    public static func result(loss: String, times: [Double], model: GPTModel, config c: BenchmarkConfig) -> BenchmarkResult {
        let sorted = times.sorted()
        let median = sorted.isEmpty ? .nan : (sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                                              : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
        let tokens = Double(c.tokensPerStep)
        let T = Double(c.promptLength + c.completionLength)
        let flops = 6 * Double(model.parameterCount) * tokens + 12 * Double(c.layers * c.embedding) * T * tokens
        return BenchmarkResult(loss: loss, tokens_per_s: tokens / median, sec_per_step_median: median,
                               sec_per_step_min: sorted.first ?? .nan, parameters: model.parameterCount,
                               flops_per_step: flops, effective_gflops: flops / median / 1e9,
                               threads: c.threads, config: c)
    }

    /// Random byte sequences: rows of prompt + completion tokens, loss on the completion.
    public static func randomBatch(rows: Int, prompt: Int, completion: Int, seed: UInt64) -> ([Int32], [Int32], [Float]) {
        var rng = SplitMix64(seed: seed &+ 1)
        let T = prompt + completion
        var seqs: [[Int32]] = []
        for _ in 0..<rows { seqs.append((0...T).map { _ in Int32(rng.next() % 256) }) }
        var tokens = [Int32](), targets = [Int32](), mask = [Float]()
        for s in seqs {
            tokens += s[0..<T]
            targets += s[1...T]
            mask += (0..<T).map { $0 + 1 >= prompt ? 1 : 0 }
        }
        return (tokens, targets, mask)
    }

    /// GFLOP/s of `cblas_sgemm` on an n×n product (median of `repeats`).
    public static func sgemmGFLOPS(n: Int = 1024, repeats: Int = 10, threads: Int = 2) -> Double {
        BLASThreads.set(threads)
        var rng = SplitMix64(seed: 7)
        let a = (0..<(n * n)).map { _ in Float(rng.nextUnitDouble()) }
        let b = a
        var c = [Float](repeating: 0, count: n * n)
        var times: [Double] = []
        for i in 0..<(repeats + 2) {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n),
                        b, Int32(n), 0, &c, Int32(n))
            if i >= 2 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        times.sort()
        BLASThreads.set(1) // the kernels split products over rows themselves
        return 2 * Double(n) * Double(n) * Double(n) / times[times.count / 2] / 1e9
    }
}
