import DPOPTrainer
import Foundation

/// `run.json`: everything known about one finished (or failed) cell.
///
/// `ResultsStore` writes and reads it; every reader (status, reports) goes through the store. Records of
/// earlier versions read too: `"done"` is `completed`, fields added later are nil.
public struct RunRecord: Codable, Sendable {
    public var id: String
    public var experiment: String
    /// `completed`, `failed` or `interrupted` (never `running` or `pending`: those are not written).
    public var status: CellStatus
    /// This cell's value on each axis of `axes` (`-` where the setting does not apply).
    public var values: [String: String]
    /// The grid's varying axes and the values each takes, in spec order, so that readers order tables
    /// as the spec does without the spec (nil in records written before it was recorded).
    public var axes: [AxisValues]?
    public var config: CellConfig
    public var provenance: Provenance
    /// SHA-256 of the spec text the cell ran from (its copy is `spec-<first 12>.yaml`).
    public var specSHA256: String
    /// SHA-256 of the reference model's weights used (from the cache).
    public var referenceSHA256: String?
    public var referenceCacheKey: String?
    public var started: String
    public var finished: String
    public var seconds: Double
    public var attempt: Int
    public var host: String
    /// Slurm job and array task, when run under Slurm.
    public var slurmJob: String?
    public var final: EvalRecord?
    public var error: String?
    /// Peak resident memory of the process that ran the cell, in MiB.
    public var peakMemoryMB: Double?
    /// Threads the cell's kernels used.
    public var threads: Int?
    /// Step at which an interrupted or failed cell stopped, when known.
    public var stoppedAtStep: Int?
    /// Command-line overrides the cell's spec was run with (absent when none).
    public var overrides: [String]?
    /// True when a failed cell failed because of the machine (the results disk was full), not its
    /// settings: the next `dpop run` runs it again without `--retry-failed`.
    public var transientFailure: Bool?
}
