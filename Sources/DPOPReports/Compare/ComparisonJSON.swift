/// The JSON shape of `dpop compare --format json`:
///
/// ```
/// {"experiment", "baseline", "treatment", "step", "bucket", "ci_level", "axes",
///  "metrics": [{"name", "higher_is_better"}],
///  "groups": [{"values": {axis: value}, "n_pairs", "baseline_failure_mode", "treatment_failure_mode",
///              "pairs": [{"seed", "baseline_cell", "treatment_cell"}],
///              "metrics": {name: {"n", "mean_diff", "std_diff", "ci_low", "ci_high", "wins", "win_rate",
///                                 "baseline_mean", "treatment_mean",
///                                 "per_seed": [{"seed", "baseline", "treatment", "diff"}]}},
///              "unpaired": [{"side", "seed", "cell", "status", "reason"}]}]}
/// ```
struct ComparisonJSON: Encodable {
    let comparison: PairedComparison

    enum Keys: String, CodingKey { case experiment, baseline, treatment, step, bucket, ci_level, axes, metrics, groups }
    enum MetricKeys: String, CodingKey { case name, higher_is_better }
    enum GroupKeys: String, CodingKey {
        case values, n_pairs, baseline_failure_mode, treatment_failure_mode, pairs, metrics, unpaired
    }
    enum PairKeys: String, CodingKey { case seed, baseline_cell, treatment_cell }
    enum StatKeys: String, CodingKey {
        case n, mean_diff, std_diff, ci_low, ci_high, wins, win_rate, baseline_mean, treatment_mean, per_seed
    }
    enum SeedKeys: String, CodingKey { case seed, baseline, treatment, diff }
    enum UnpairedKeys: String, CodingKey { case side, seed, cell, status, reason }

    func encode(to encoder: Encoder) throws {
        let c = comparison
        var root = encoder.container(keyedBy: Keys.self)
        try root.encode(c.experiment, forKey: .experiment)
        try root.encode(c.options.baseline.description, forKey: .baseline)
        try root.encode(c.options.treatment.description, forKey: .treatment)
        try root.encode(c.options.step.description, forKey: .step)
        try root.encode(c.options.bucket, forKey: .bucket)
        try root.encode(0.95, forKey: .ci_level)
        try root.encode(c.axes, forKey: .axes)
        var metrics = root.nestedUnkeyedContainer(forKey: .metrics)
        for m in c.metrics {
            var e = metrics.nestedContainer(keyedBy: MetricKeys.self)
            try e.encode(m.name, forKey: .name)
            try e.encode(m.higherIsBetter, forKey: .higher_is_better)
        }
        var groups = root.nestedUnkeyedContainer(forKey: .groups)
        for g in c.groups {
            var e = groups.nestedContainer(keyedBy: GroupKeys.self)
            try e.encode(g.key, forKey: .values)
            try e.encode(g.pairs.count, forKey: .n_pairs)
            try e.encode(g.baselineFailureMode, forKey: .baseline_failure_mode)
            try e.encode(g.treatmentFailureMode, forKey: .treatment_failure_mode)
            var pairs = e.nestedUnkeyedContainer(forKey: .pairs)
            for p in g.pairs {
                var pe = pairs.nestedContainer(keyedBy: PairKeys.self)
                try pe.encode(p.seed, forKey: .seed)
                try pe.encode(p.baseline.id, forKey: .baseline_cell)
                try pe.encode(p.treatment.id, forKey: .treatment_cell)
            }
            var stats = e.nestedContainer(keyedBy: DynamicKey.self, forKey: .metrics)
            for m in c.metrics {
                let pm = g.metrics[m.name]
                var s = stats.nestedContainer(keyedBy: StatKeys.self, forKey: DynamicKey(m.name))
                try s.encode(pm?.pairs.count ?? 0, forKey: .n)
                try s.encode(pm?.difference?.mean, forKey: .mean_diff)
                try s.encode(pm?.difference?.std, forKey: .std_diff)
                try s.encode(pm?.difference?.ciLow, forKey: .ci_low)
                try s.encode(pm?.difference?.ciHigh, forKey: .ci_high)
                try s.encode(pm?.wins ?? 0, forKey: .wins)
                try s.encode(pm?.winRate, forKey: .win_rate)
                try s.encode(pm?.baselineMean, forKey: .baseline_mean)
                try s.encode(pm?.treatmentMean, forKey: .treatment_mean)
                var seeds = s.nestedUnkeyedContainer(forKey: .per_seed)
                for p in pm?.pairs ?? [] {
                    var se = seeds.nestedContainer(keyedBy: SeedKeys.self)
                    try se.encode(p.seed, forKey: .seed)
                    try se.encode(p.baseline, forKey: .baseline)
                    try se.encode(p.treatment, forKey: .treatment)
                    try se.encode(p.difference, forKey: .diff)
                }
            }
            var unpaired = e.nestedUnkeyedContainer(forKey: .unpaired)
            for u in g.unpaired {
                var ue = unpaired.nestedContainer(keyedBy: UnpairedKeys.self)
                try ue.encode(u.side.rawValue, forKey: .side)
                try ue.encode(u.seed, forKey: .seed)
                try ue.encode(u.cell, forKey: .cell)
                try ue.encode(u.status.rawValue, forKey: .status)
                try ue.encode(u.reason, forKey: .reason)
            }
        }
    }
}
