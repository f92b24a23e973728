import DPOPExperiments
/// Baseline and treatment cells that agree on every other axis, paired by seed.
public struct ComparisonGroup: Sendable {
    /// Which side of a comparison a cell is on.
    public enum Side: String, Sendable { case baseline, treatment }

    /// A baseline and a treatment cell with the same seed, both finished.
    public struct SeedPair: Sendable {
        public var seed: String?
        public var baseline: RunResult
        public var treatment: RunResult
    }

    /// A cell of the group without a finished partner, and why.
    public struct Unpaired: Equatable, Sendable {
        public var side: Side
        public var seed: String?
        public var cell: String
        public var status: CellStatus
        /// "failed", "interrupted", "running", "no treatment cell with seed 2", "its treatment partner failed".
        public var reason: String
    }

    /// The group's axis values (shared axes, plus axes only one side has, such as λ of dpop cells).
    public let key: [String: String]
    public let baseline: [RunResult]
    public let treatment: [RunResult]
    public let pairs: [SeedPair]
    public let unpaired: [Unpaired]
    /// Paired statistics by metric name.
    public let metrics: [String: PairedMetric]
    /// DPO's failure mode on each side (over that side's finished cells in the group).
    public let baselineFailureMode: Bool
    public let treatmentFailureMode: Bool

    /// Pairs `baseline` and `treatment` cells by seed and computes every metric's differences.
    public init(key: [String: String], baseline: [RunResult], treatment: [RunResult], metrics: [Metric], picker: RecordPicker) {
        self.key = key
        self.baseline = baseline
        self.treatment = treatment
        func bySeed(_ runs: [RunResult]) -> [String: RunResult] {
            var out: [String: RunResult] = [:]
            for r in runs.sorted(by: { $0.id < $1.id }) where out[r.seed ?? ""] == nil || r.status == .completed {
                if out[r.seed ?? ""]?.status != .completed { out[r.seed ?? ""] = r }
            }
            return out
        }
        let b = bySeed(baseline), t = bySeed(treatment)
        var pairs: [SeedPair] = []
        var unpaired: [Unpaired] = []
        let seeds = Set(b.keys).union(t.keys).sorted { RecordPicker.seedOrder($0, $1) }
        for seed in seeds {
            let s: String? = seed.isEmpty ? nil : seed
            switch (b[seed], t[seed]) {
            case let (x?, y?) where x.status == .completed && y.status == .completed:
                pairs.append(SeedPair(seed: s, baseline: x, treatment: y))
            case let (x, y):
                for (run, side, other) in [(x, Side.baseline, y), (y, Side.treatment, x)] {
                    guard let run else { continue }
                    let otherSide = side == .baseline ? "treatment" : "baseline"
                    let reason: String
                    if run.status != .completed { reason = run.status.rawValue }
                    else if let other {
                        reason = "its \(otherSide) partner " + (other.status == .failed ? "failed" : other.status == .interrupted ? "was interrupted" : "is running")
                    }
                    else { reason = "no \(otherSide) cell with seed \(seed.isEmpty ? "(none)" : seed)" }
                    unpaired.append(Unpaired(side: side, seed: s, cell: run.id, status: run.status, reason: reason))
                }
            }
        }
        // Runs beyond the first of a seed on one side cannot be paired (only possible with pooled axes).
        let used = Set(b.values.map(\.id) + t.values.map(\.id))
        for (runs, side) in [(baseline, Side.baseline), (treatment, Side.treatment)] {
            for r in runs where !used.contains(r.id) {
                unpaired.append(Unpaired(side: side, seed: r.seed, cell: r.id, status: r.status, reason: "another cell has the same seed"))
            }
        }
        self.pairs = pairs
        self.unpaired = unpaired
        var byName: [String: PairedMetric] = [:]
        for m in metrics {
            byName[m.name] = PairedMetric(metric: m, pairs: pairs.compactMap { p in
                guard let x = picker.value(m, of: p.baseline), let y = picker.value(m, of: p.treatment) else { return nil }
                return PairedMetric.Pair(seed: p.seed, baseline: x.value, treatment: y.value)
            })
        }
        self.metrics = byName
        let deltaW = FailureMode.metric
        func flag(_ runs: [RunResult]) -> Bool {
            FailureMode.shows(SampleSummary(runs.compactMap { picker.value(deltaW, of: $0)?.value }))
        }
        baselineFailureMode = flag(baseline)
        treatmentFailureMode = flag(treatment)
    }

    /// "⚠ baseline", "⚠ treatment", "⚠ both" or "—".
    public var failureModeText: String {
        switch (baselineFailureMode, treatmentFailureMode) {
        case (true, true): return "\(FailureMode.marker) both"
        case (true, false): return "\(FailureMode.marker) baseline"
        case (false, true): return "\(FailureMode.marker) treatment"
        case (false, false): return TextFormat.missing
        }
    }
}
