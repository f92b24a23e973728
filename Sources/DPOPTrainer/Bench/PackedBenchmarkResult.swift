/// `dpop bench --score --pack` and `dpop bench --loss sft --pack`: scoring, or SFT steps, on the same sequences as
/// padded rows and as packed rows.
public struct PackedBenchmarkResult: Codable, Sendable {
    /// One sequence per row, padded to the longest of the batch (`SequenceBatch`).
    public var padded: BenchmarkResult
    /// Sequences back to back in rows of up to twice the context (`SharedTrunkBatch(packing:)`).
    public var packed: BenchmarkResult
    /// padded ÷ packed median seconds.
    public var speedup: Double
    /// Rows of the packed batch (the padded one has 2·batch).
    public var packed_rows: Int
    /// Positions the padded rows compute (2·batch × the longest) and the packed rows (their real lengths).
    public var padded_positions: Int
    public var packed_positions: Int

    /// The two sides' results on `sequences`, with the row and position counts of packing them into rows of `maxRow`.
    init(padded: BenchmarkResult, packed: BenchmarkResult, sequences: [TrainingSequence], maxRow: Int) {
        self.padded = padded
        self.packed = packed
        speedup = padded.sec_per_step_median / packed.sec_per_step_median
        packed_rows = SharedTrunkBatch(packing: sequences, maxRow: maxRow).B
        padded_positions = sequences.count * (sequences.map(\.positions).max() ?? 0)
        packed_positions = sequences.reduce(0) { $0 + $1.positions }
    }
}
