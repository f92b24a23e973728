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
}
