/// `dpop bench --share-trunk`: the same preference step timed with separate rows and with shared-trunk rows.
public struct SharedTrunkBenchmarkResult: Codable, Sendable {
    /// Two rows per pair (`SequenceBatch`).
    public var separate: BenchmarkResult
    /// One shared-trunk row per pair (`SharedTrunkBatch`); tokens per step are counted as for `separate`.
    public var shared: BenchmarkResult
    /// separate ÷ shared median seconds per step.
    public var speedup: Double
    /// Rows of the shared batch (batch, plus one for each pair too long to share a row).
    public var shared_rows: Int
}
