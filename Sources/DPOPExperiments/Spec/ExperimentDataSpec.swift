/// The data of a cell: the built-in arith task's settings or a pairs file, plus the split and the bucket definitions.
///
/// With `path` set, the arith-only fields (`pairs`, `corruption`, `steps`, `maxNumber`, `seed`) hold their
/// defaults so they do not split cell ids; a pairs file is used whole.
public struct ExperimentDataSpec: Codable, Equatable, Hashable, Sendable {
    /// `arith` for the built-in task; nil when `path` is set.
    public var task: String?
    /// Absolute path of a JSONL pairs file; nil when `task` is set.
    public var path: String?
    /// Number of arith pairs to generate.
    public var pairs: Int
    /// Canonical `ArithCorruptionMix` description, e.g. `step:0.5,propagate:0.25,resample:0.25`.
    public var corruption: String
    /// Equations per arith solution (1–4).
    public var steps: Int
    /// Largest number an arith problem states (5–999).
    public var maxNumber: Int
    /// Seed of the data generation; the same in every cell so that all cells share the pairs.
    public var seed: UInt64
    /// Share of pairs held out for evaluation, in (0, 1).
    public var evalFraction: Double
    /// Edit-distance buckets as `EditDistanceBuckets` strings (`name=lo..hi`, `n:name=lo..hi`), in spec order.
    public var buckets: [String]
    /// `data.bucket_by` when it is not `edit_distance` (with `buckets` then in `StatisticBuckets` syntax);
    /// nil, and not encoded, at the default, so cell ids of specs without it do not change.
    public var bucketBy: String?
    /// `true` for `data.quantile: true` (bounds are quantiles of the training split); nil, not encoded, otherwise.
    public var quantile: Bool?

    /// Creates a data spec.
    public init(task: String?, path: String?, pairs: Int, corruption: String, steps: Int, maxNumber: Int,
                seed: UInt64, evalFraction: Double, buckets: [String], bucketBy: String? = nil, quantile: Bool? = nil) {
        self.task = task
        self.path = path
        self.pairs = pairs
        self.corruption = corruption
        self.steps = steps
        self.maxNumber = maxNumber
        self.seed = seed
        self.evalFraction = evalFraction
        self.buckets = buckets
        self.bucketBy = bucketBy
        self.quantile = quantile
    }
}
