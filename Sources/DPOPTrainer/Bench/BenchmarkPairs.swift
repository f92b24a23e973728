import Foundation

/// The preference pairs a benchmark step trains on, with the token counts every side of `bench/compare.sh`
/// uses: random byte pairs (`dpop bench`'s default) or the built-in arith task's pairs (`--pairs arith`).
public struct BenchmarkPairs: Sendable {
    /// The batch, byte tokens, in the order the step lays them out.
    public let pairs: [PreparedPair]

    public init(_ pairs: [PreparedPair]) {
        self.pairs = pairs
    }

    /// The pairs `c` describes: `c.arith`'s first `c.batch` pairs when set, else random pairs of
    /// `c.promptLength` + `c.completionLength` tokens.
    public init(_ c: BenchmarkConfig) throws {
        if let task = c.arith {
            self = try Self.arith(task, batch: c.batch)
        } else {
            self = Self.random(c)
        }
    }

    /// The fewest pairs the arith task generates (`data.pairs`' lower bound).
    public static let minimumArithCount = Int(ArithTaskConfig.Settings.pairs.range.lower ?? 1)

    /// The arith task's first `batch` pairs under `task`, tokenised by the byte tokenizer. The task
    /// generates at least its minimum count (its pair i does not depend on the count for one corruption
    /// mode), so a batch below that minimum is a prefix of the minimum set.
    public static func arith(_ task: ArithTaskConfig, batch: Int) throws -> BenchmarkPairs {
        var task = task
        task.count = max(batch, minimumArithCount)
        let generated = try ArithTask.generate(task)
        return BenchmarkPairs(generated.prefix(batch).map { PreparedPair($0, buckets: nil) })
    }

    /// Random printable pairs in the shape of `TrainingBenchmark.randomBatch`'s rows: pair k's prompt and
    /// chosen completion from row k, its rejected completion from row batch + k (so the pair shares its
    /// prompt, as real pairs do, and nothing else but by chance).
    public static func random(_ c: BenchmarkConfig) -> BenchmarkPairs {
        let T = c.promptLength + c.completionLength
        let (tokens, _, _) = TrainingBenchmark.randomBatch(rows: 2 * c.batch, prompt: c.promptLength,
                                                           completion: c.completionLength, seed: c.seed)
        // Printable ASCII, one byte token per character (a random byte need not be UTF-8).
        func text(_ row: Int, _ range: Range<Int>) -> String {
            String(decoding: range.map { UInt8(32 + tokens[row * T + $0] % 95) }, as: UTF8.self)
        }
        return BenchmarkPairs((0..<c.batch).map { k in
            PreparedPair(PreferencePair(prompt: text(k, 0..<c.promptLength),
                                        chosen: text(k, c.promptLength..<T),
                                        rejected: text(c.batch + k, c.promptLength..<T)), buckets: nil)
        })
    }

    /// Tokens one step processes, counted the same on every side: each pair's chosen and rejected
    /// sequence at its real length (no padding), prompt + completion positions (end-of-text is read by
    /// no position, only predicted), i.e. 2 · pairs · (prompt + completion) for equal lengths.
    public var tokensPerStep: Int {
        pairs.reduce(0) { $0 + $1.chosen.positions + $1.rejected.positions }
    }

    /// Longest sequence of the batch, in positions.
    public var longestSequence: Int {
        pairs.reduce(1) { max($0, $1.chosen.positions, $1.rejected.positions) }
    }

    /// A pair's trunk in tokens: the prompt plus the longest common prefix of the two completions (end-of-text included).
    public static func trunkLength(_ p: PreparedPair) -> Int {
        let c = p.chosen.tokens, r = p.rejected.tokens
        var n = 0
        while n < c.count && n < r.count && c[n] == r[n] { n += 1 }
        return n
    }

    /// Positions a shared-trunk layout computes once instead of twice for `p`: one per trunk token,
    /// capped by each sequence's positions (identical completions share every position but the last token's).
    public static func trunkSavedPositions(_ p: PreparedPair) -> Int {
        min(trunkLength(p), p.chosen.positions, p.rejected.positions)
    }

    /// Positions per step a shared trunk would not compute a second time.
    public var trunkSavedPerStep: Int {
        pairs.reduce(0) { $0 + Self.trunkSavedPositions($1) }
    }

    /// Share of `tokensPerStep` a shared trunk saves (0 for an empty batch).
    public var trunkSavedShare: Double {
        let total = tokensPerStep
        return total == 0 ? 0 : Double(trunkSavedPerStep) / Double(total)
    }

    /// One JSON object per pair and line, `{"prompt": […], "chosen": […], "rejected": […]}`: the token ids
    /// the step trains on, completions ending in end-of-text (256); what `bench/pytorch_bench.py
    /// --pairs-file` and `bench/trl_bench.py` read so every side trains on the same sequences.
    public var idsJSONL: String {
        func list(_ ids: ArraySlice<Int32>) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }
        return pairs.map { p in
            let prompt = p.promptTokens.count
            return "{\"prompt\":\(list(p.chosen.tokens[..<prompt])),\"chosen\":\(list(p.chosen.tokens[prompt...]))"
                + ",\"rejected\":\(list(p.rejected.tokens[prompt...]))}\n"
        }.joined()
    }

    /// Writes `idsJSONL` to `url` atomically.
    public func writeIDs(to url: URL) throws {
        try AtomicFile.write(Data(idsJSONL.utf8), to: url)
    }
}
