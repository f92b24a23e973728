import CBLAS
import Foundation

/// What `dpop bench` measures: a model shape, a batch of pairs, and how many steps to time.
public struct BenchmarkConfig: Codable, Equatable, Sendable {
    public var embedding = Settings.embedding.defaultValue
    public var layers = Settings.layers.defaultValue
    public var heads = Settings.heads.defaultValue
    public var vocab = Settings.vocab.defaultValue
    /// The model's context (position table); nil: prompt + completion.
    public var context: Int?
    public var batch = Settings.batch.defaultValue
    public var promptLength = Settings.promptLength.defaultValue
    public var completionLength = Settings.completionLength.defaultValue
    public var steps = Settings.steps.defaultValue
    public var warmup = Settings.warmup.defaultValue
    public var threads = Settings.threads.defaultValue
    public var seed: UInt64 = 0
    /// Built-in arith pairs to train on (`--pairs arith`; its `maxContext` is the model's context unless
    /// `context` is set); nil: random byte pairs of `promptLength` + `completionLength` tokens.
    public var arith: ArithTaskConfig?

    /// The benchmark's settings (`dpop bench`'s flags, `bench.*`), with their defaults and ranges.
    public enum Settings {
        public static let embedding = Setting<Int>("bench.embedding", default: 128, .atLeast(1))
        public static let layers = Setting<Int>("bench.layers", default: 4, .atLeast(1))
        public static let heads = Setting<Int>("bench.heads", default: 4, .atLeast(1))
        public static let vocab = Setting<Int>("bench.vocab", default: ByteTokenizer.vocabularySize, .closed(257, 1e7),
                                               hint: "the sequences are byte tokens, so the vocabulary holds at least the byte tokenizer's 257")
        public static let context = Setting<Int>("bench.context", default: 64, .closed(1, 1e9),
                                                 hint: "at least prompt + completion; without --context it is exactly that")
        public static let batch = Setting<Int>("bench.batch", default: 16, .closed(1, 1e9))
        public static let promptLength = Setting<Int>("bench.prompt_length", default: 32, .closed(1, 1e9))
        public static let completionLength = Setting<Int>("bench.completion_length", default: 32, .closed(1, 1e9))
        public static let steps = Setting<Int>("bench.steps", default: 20, .closed(1, 1e9))
        public static let warmup = Setting<Int>("bench.warmup", default: 3, .closed(0, 1e9))
        public static let threads = Setting<Int>("bench.threads", default: 2, .closed(1, 1e6))
    }

    public init() {}

    /// Tokens one step of random pairs processes: 2·batch sequences (chosen and rejected) of prompt +
    /// completion (`BenchmarkPairs.tokensPerStep` counts arith pairs at their real lengths).
    public var tokensPerStep: Int { 2 * batch * (promptLength + completionLength) }

    /// Positions of the longest sequence the model is built for: prompt + completion, or the arith
    /// task's context.
    public var sequenceLength: Int { arith?.maxContext ?? promptLength + completionLength }

    /// The model the benchmark builds.
    public var model: GPTConfig {
        GPTConfig(vocabSize: vocab, contextLength: context ?? sequenceLength, layers: layers, heads: heads, channels: embedding)
    }

    /// What the benchmark allocates: one model of 2·batch rows (the policy, which scores the reference
    /// log-probs itself before its first step), with AdamW's state when it trains.
    public func memoryPlan(training: Bool = true) -> MemoryPlan {
        let plan = MemoryPlan.model(model, maxBatch: 2 * batch, maxSequence: sequenceLength,
                                    batchSetting: Settings.batch.key, batchDefault: 2 * Settings.batch.defaultValue,
                                    optimizer: training)
        return MemoryPlan(parts: plan.parts.map { part -> MemoryPlan.Part in
            var part = part
            if part.setting == Settings.batch.key { part.value = String(batch) } // the flag's value, not the 2·batch rows
            // The benchmark's shape flags are its own settings.
            if let own = ["model.layers": Settings.layers.key, "model.embedding": Settings.embedding.key,
                          "model.context": Settings.promptLength.key][part.setting] { part.setting = own }
            return part
        })
    }

    /// Throws `DPOPError.invalidSetting` naming the first setting out of range or a model too large for memory.
    public func validate() throws(DPOPError) {
        try DPOPError.checkingSettings { () throws(SettingError) in
            try Settings.embedding.check(embedding)
            try Settings.layers.check(layers)
            try Settings.heads.check(heads)
            try Settings.vocab.check(vocab)
            if let context {
                try Settings.context.check(context)
                guard context >= sequenceLength else {
                    throw SettingError(setting: Settings.context.key, value: String(context),
                                       problem: "(\(context)) must be at least prompt + completion (\(sequenceLength))",
                                       related: [Settings.promptLength.key, Settings.completionLength.key])
                }
            }
            try Settings.batch.check(batch)
            try Settings.promptLength.check(promptLength)
            try Settings.completionLength.check(completionLength)
            try Settings.steps.check(steps)
            try Settings.warmup.check(warmup)
            try Settings.threads.check(threads)
            try GPTConfig.checkHeadsDivide(embedding, heads, embeddingKey: Settings.embedding.key, headsKey: Settings.heads.key)
        }
        try arith?.validate()
        try memoryPlan().check()
    }
}

/// Timings of a benchmark run; field names are the JSON keys `dpop bench --json` prints.
public struct BenchmarkResult: Codable, Sendable {
    public var impl = "dpop"
    public var loss: String
    /// Which pairs were timed: `random`, or `arith:MODE` for built-in arith pairs.
    public var pairs: String
    public var tokens_per_s: Double
    /// Tokens one step processes (`BenchmarkPairs.tokensPerStep`: real lengths, no padding).
    public var tokens_per_step: Int
    /// Share of those tokens a shared trunk (prompt + common completion prefix) computes once instead of twice.
    public var trunk_saved_share: Double
    /// Pairs per second (batch pairs per step).
    public var pairs_per_s: Double
    public var sec_per_step_median: Double
    public var sec_per_step_min: Double
    public var parameters: Int
    /// 6·params·tokens + attention (12·L·C·T per token), forward and backward; a third of it for scoring.
    public var flops_per_step: Double
    public var effective_gflops: Double
    public var threads: Int
    public var config: BenchmarkConfig
}

/// Times training steps, or scoring, on random byte pairs or built-in arith pairs (`dpop bench`).
public enum TrainingBenchmark {
    /// The model, batch and step timer the benchmarks share.
    private struct Setup {
        let model: GPTModel
        let pairs: BenchmarkPairs
        let rows: Int, T: Int

        init(_ c: BenchmarkConfig) throws {
            try c.validate()
            Parallel.setProcessWorkers(c.threads)  // dpop bench is one benchmark per process
            T = c.sequenceLength
            rows = 2 * c.batch
            pairs = try BenchmarkPairs(c)
            model = try GPTModel(config: c.model, maxBatch: rows, maxSequence: T)
            model.initializeGPT2(seed: c.seed)
        }

        /// Each pair's chosen sequence, then each rejected one (the step's row order).
        var sequences: [TrainingSequence] { pairs.pairs.map(\.chosen) + pairs.pairs.map(\.rejected) }

        /// Seconds of each timed step (warm-up steps run but are not timed).
        func time(_ c: BenchmarkConfig, step: () throws -> Void) rethrows -> [Double] {
            var times: [Double] = []
            for i in 0..<(c.warmup + c.steps) {
                let start = DispatchTime.now().uptimeNanoseconds
                try step()
                if i >= c.warmup { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }
            return times
        }

        /// Seconds of each timed round of `a` then `b`, run alternately so both see the same machine load.
        func alternate(_ c: BenchmarkConfig, _ a: () throws -> Void, _ b: () throws -> Void) rethrows -> (a: [Double], b: [Double]) {
            var timesA: [Double] = [], timesB: [Double] = []
            func timed(_ body: () throws -> Void) rethrows -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            for i in 0..<(c.warmup + c.steps) {
                let x = try timed(a), y = try timed(b)
                if i >= c.warmup {
                    timesA.append(x)
                    timesB.append(y)
                }
            }
            return (timesA, timesB)
        }
    }

    /// Median-timed SFT steps (forward, backward, clip, AdamW) with loss on the completion tokens: of the
    /// random rows, or of arith pairs' chosen and rejected sequences laid out as `SequenceBatch` rows.
    public static func runSFT(_ c: BenchmarkConfig) throws -> BenchmarkResult {
        let s = try Setup(c)
        let optimizer = AdamW(layout: s.model.layout)
        let times: [Double]
        if c.arith == nil {
            let (tokens, targets, mask) = randomBatch(rows: s.rows, prompt: c.promptLength, completion: c.completionLength, seed: c.seed)
            times = s.time(c) {
                s.model.forward(tokens: tokens, targets: targets, mask: mask, B: s.rows, T: s.T)
                s.model.zeroGradients()
                s.model.backwardMeanCrossEntropy()
                optimizer.update(parameters: s.model.parameters, gradients: s.model.gradients, lr: 3e-4)
            }
        } else {
            var batch = SequenceBatch(maxBatch: s.rows, maxSequence: s.T)
            batch.fill(s.sequences)
            times = s.time(c) {
                batch.forward(s.model)
                s.model.zeroGradients()
                s.model.backwardMeanCrossEntropy()
                optimizer.update(parameters: s.model.parameters, gradients: s.model.gradients, lr: 3e-4)
            }
        }
        return result(loss: "sft", times: times, model: s.model, config: c, pairs: s.pairs)
    }

    /// Median-timed preference steps, `PreferenceTrainer.step` itself: the reference log-probs are scored
    /// once beforehand by the untrained policy (the reference is a copy of it, so the figures are the
    /// same and a second model is never allocated), then each step runs forward of chosen and rejected
    /// rows, the loss's sequence gradients, backward, clip and AdamW.
    public static func runPreference(_ c: BenchmarkConfig, loss: PreferenceLossConfig) throws -> BenchmarkResult {
        let s = try Setup(c)
        var pairs = s.pairs.pairs
        SequenceScorer.attachReference(s.model, to: &pairs, keepTokens: false)
        let trainer = PreferenceTrainer(policy: s.model, loss: loss, config: PreferenceTrainConfig(batch: c.batch, shareTrunk: false))
        var step = 0
        let times = try s.time(c) {
            step += 1
            _ = try trainer.step(pairs, lr: 3e-4, stepNumber: step)
        }
        return result(loss: loss.kind.rawValue, times: times, model: s.model, config: c, pairs: s.pairs)
    }

    /// Preference steps with and without shared-trunk rows (`train.share_trunk`), timed in one run on two
    /// identical models, alternating a separate step and a shared step so both see the same machine load.
    /// Each side's reference log-probs come from its own layout.
    public static func runPreferenceSharing(_ c: BenchmarkConfig, loss: PreferenceLossConfig) throws -> SharedTrunkBenchmarkResult {
        let s = try Setup(c)
        let sharedModel = try GPTModel(config: c.model, maxBatch: s.rows, maxSequence: s.T, maxRow: 2 * s.T)
        sharedModel.copyParameters(from: s.model)
        var separatePairs = s.pairs.pairs, sharedPairs = s.pairs.pairs
        SequenceScorer.attachReference(s.model, to: &separatePairs, keepTokens: false)
        SequenceScorer.attachReferenceShared(sharedModel, to: &sharedPairs, tails: loss.weighsTails)
        if loss.weighsTails { SequenceScorer.attachReferenceTails(s.model, to: &separatePairs) }
        let separate = PreferenceTrainer(policy: s.model, loss: loss, config: PreferenceTrainConfig(batch: c.batch, shareTrunk: false))
        let shared = PreferenceTrainer(policy: sharedModel, loss: loss, config: PreferenceTrainConfig(batch: c.batch, shareTrunk: true))
        var step = 0
        let (separateTimes, sharedTimes) = try s.alternate(c, {
            step += 1
            _ = try separate.step(separatePairs, lr: 3e-4, stepNumber: step)
        }, { _ = try shared.step(sharedPairs, lr: 3e-4, stepNumber: step) })
        let r1 = result(loss: loss.kind.rawValue, times: separateTimes, model: s.model, config: c, pairs: s.pairs)
        let r2 = result(loss: loss.kind.rawValue, times: sharedTimes, model: sharedModel, config: c, pairs: s.pairs)
        return SharedTrunkBenchmarkResult(separate: r1, shared: r2, speedup: r1.sec_per_step_median / r2.sec_per_step_median,
                                          shared_rows: SharedTrunkBatch(pairs: s.pairs.pairs.map { (chosen: $0.chosen, rejected: $0.rejected) },
                                                                        maxSequence: sharedModel.maxRow).B)
    }

    /// Median-timed scoring of the batch's chosen and rejected sequences, forward only, through
    /// `SequenceScorer` (what reference scoring, evaluation and `dpop score` run).
    public static func runScoring(_ c: BenchmarkConfig) throws -> BenchmarkResult {
        let s = try Setup(c)
        let sequences = s.sequences
        let times = s.time(c) { _ = SequenceScorer.score(s.model, sequences) }
        return result(loss: "score", times: times, model: s.model, config: c, pairs: s.pairs, forwardOnly: true)
    }

    /// Scoring of the batch's chosen and rejected sequences as padded rows and as packed rows
    /// (`SequenceScorer.scorePacked`), alternating in one run on two identical models.
    public static func runScoringPacked(_ c: BenchmarkConfig) throws -> PackedBenchmarkResult {
        let s = try Setup(c)
        let packedModel = try GPTModel(config: c.model, maxBatch: s.rows, maxSequence: s.T, maxRow: 2 * s.T)
        packedModel.copyParameters(from: s.model)
        let sequences = s.sequences
        let (paddedTimes, packedTimes) = s.alternate(c, { _ = SequenceScorer.score(s.model, sequences) },
                                                     { _ = SequenceScorer.scorePacked(packedModel, sequences) })
        let r1 = result(loss: "score", times: paddedTimes, model: s.model, config: c, pairs: s.pairs, forwardOnly: true)
        let r2 = result(loss: "score-packed", times: packedTimes, model: packedModel, config: c, pairs: s.pairs, forwardOnly: true)
        return PackedBenchmarkResult(padded: r1, packed: r2, sequences: sequences, maxRow: packedModel.maxRow)
    }

    /// SFT steps on the batch's chosen and rejected sequences as padded rows (`SequenceBatch`) and packed into
    /// rows of up to twice the context (`SFTTrainer.packedStep`, as `sft.pack` trains), alternating in one run on two
    /// identical models.
    public static func runSFTPacked(_ c: BenchmarkConfig) throws -> PackedBenchmarkResult {
        let s = try Setup(c)
        let packedModel = try GPTModel(config: c.model, maxBatch: s.rows, maxSequence: s.T, maxRow: 2 * s.T)
        packedModel.copyParameters(from: s.model)
        let paddedOptimizer = AdamW(layout: s.model.layout), packedOptimizer = AdamW(layout: packedModel.layout)
        let sequences = s.sequences
        var batch = SequenceBatch(maxBatch: s.rows, maxSequence: s.T)
        batch.fill(sequences)
        let (paddedTimes, packedTimes) = try s.alternate(c, {
            batch.forward(s.model)
            s.model.zeroGradients()
            s.model.backwardMeanCrossEntropy()
            paddedOptimizer.update(parameters: s.model.parameters, gradients: s.model.gradients, lr: 3e-4)
        }, {
            _ = try SFTTrainer.packedStep(packedModel, sequences)
            packedOptimizer.update(parameters: packedModel.parameters, gradients: packedModel.gradients, lr: 3e-4)
        })
        let r1 = result(loss: "sft", times: paddedTimes, model: s.model, config: c, pairs: s.pairs)
        let r2 = result(loss: "sft-packed", times: packedTimes, model: packedModel, config: c, pairs: s.pairs)
        return PackedBenchmarkResult(padded: r1, packed: r2, sequences: sequences, maxRow: packedModel.maxRow)
    }

    /// Assembles the result record from per-step times; tokens are `pairs`' (random pairs: `c.tokensPerStep`).
    public static func result(loss: String, times: [Double], model: GPTModel, config c: BenchmarkConfig,
                              pairs: BenchmarkPairs, forwardOnly: Bool = false) -> BenchmarkResult {
        let sorted = times.sorted()
        let median = sorted.isEmpty ? .nan : (sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                                              : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
        let tokens = Double(pairs.tokensPerStep)
        let T = tokens / Double(2 * max(1, pairs.pairs.count))  // mean positions per sequence
        let flops = (6 * Double(model.parameterCount) * tokens + 12 * Double(c.layers * c.embedding) * T * tokens)
            / (forwardOnly ? 3 : 1)
        return BenchmarkResult(loss: loss, pairs: c.arith.map { "arith:\($0.corruption.description)" } ?? "random",
                               tokens_per_s: tokens / median, tokens_per_step: pairs.tokensPerStep,
                               trunk_saved_share: pairs.trunkSavedShare, pairs_per_s: Double(c.batch) / median,
                               sec_per_step_median: median,
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
