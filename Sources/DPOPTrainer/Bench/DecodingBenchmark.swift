import Foundation

/// `dpop bench --decode`: greedy decoding with the KV cache against decoding by full forwards, on the
/// same random-weight model and prompts, the two timed alternately so a busy machine slows both alike.
public enum DecodingBenchmark {
    /// Median seconds of one decode of every prompt each way, and what they decoded.
    public struct Result: Codable, Sendable {
        public var impl = "dpop"
        public var mode = "decode"
        public var prompts: Int
        public var prompt_length: Int
        /// Tokens generated per decode, over all prompts.
        public var generated_tokens: Int
        public var cached_sec_median: Double
        public var full_forwards_sec_median: Double
        /// full-forwards time / cached time, measured in the same run.
        public var speedup: Double
        /// Whether both ways gave the same tokens (they must).
        public var identical: Bool
        public var parameters: Int
    }

    /// `c.batch` random prompts of `c.promptLength` bytes decoded for up to `c.completionLength` tokens,
    /// `c.warmup` untimed and `c.steps` timed rounds of each way.
    public static func run(_ c: BenchmarkConfig) throws -> Result {
        Parallel.setProcessWorkers(c.threads)  // dpop bench is one benchmark per process
        let model = try GPTModel(config: c.model, maxBatch: c.batch, maxSequence: c.model.contextLength)
        model.initializeGPT2(seed: c.seed)
        var rng = SplitMix64(seed: c.seed &+ 1)
        // Bytes only (no end-of-text), like a prompt.
        let prompts = (0..<c.batch).map { _ in (0..<c.promptLength).map { _ in Int32(rng.next() % 256) } }
        var cachedTimes: [Double] = [], fullTimes: [Double] = []
        var cached: [[Int32]] = [], full: [[Int32]] = []
        func seconds(_ body: () -> Void) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        for round in 0..<(c.warmup + c.steps) {
            let a = seconds { cached = GreedyDecoder.complete(model, prompts: prompts, maxNewTokens: c.completionLength) }
            let b = seconds { full = GreedyDecoder.completeByFullForwards(model, prompts: prompts, maxNewTokens: c.completionLength) }
            if round >= c.warmup {
                cachedTimes.append(a)
                fullTimes.append(b)
            }
        }
        func median(_ xs: [Double]) -> Double {
            let s = xs.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let cachedMedian = median(cachedTimes), fullMedian = median(fullTimes)
        return Result(prompts: c.batch, prompt_length: c.promptLength, generated_tokens: cached.reduce(0) { $0 + $1.count },
                      cached_sec_median: cachedMedian, full_forwards_sec_median: fullMedian,
                      speedup: fullMedian / cachedMedian, identical: cached == full, parameters: model.parameterCount)
    }
}
