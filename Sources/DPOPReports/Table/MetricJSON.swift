/// One metric of a group: summary numbers (null when undefined) and the per-seed values.
struct MetricJSON: Encodable {
    let summary: MetricSummary?

    enum Keys: String, CodingKey { case mean, std, n, ci_low, ci_high, per_seed }
    enum SeedKeys: String, CodingKey { case seed, cell, step, value }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        let s = summary?.summary
        try c.encode(s?.mean, forKey: .mean)
        try c.encode(s?.std, forKey: .std)
        try c.encode(s?.n ?? 0, forKey: .n)
        try c.encode(s?.ciLow, forKey: .ci_low)
        try c.encode(s?.ciHigh, forKey: .ci_high)
        var seeds = c.nestedUnkeyedContainer(forKey: .per_seed)
        for v in summary?.values ?? [] {
            var e = seeds.nestedContainer(keyedBy: SeedKeys.self)
            try e.encode(v.seed, forKey: .seed)
            try e.encode(v.cell, forKey: .cell)
            try e.encode(v.step, forKey: .step)
            try e.encode(v.value, forKey: .value)
        }
    }
}
