/// One group of `TableJSON`.
struct GroupJSON: Encodable {
    let group: GroupSummary
    let metrics: [Metric]

    enum Keys: String, CodingKey { case values, status, n_completed, n_failed, n_interrupted, n_running, failure_mode, cells, metrics }
    enum CellKeys: String, CodingKey { case id, seed, status, error }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(group.key, forKey: .values)
        try c.encode(group.status.rawValue, forKey: .status)
        try c.encode(group.completedCount, forKey: .n_completed)
        try c.encode(group.failedCount, forKey: .n_failed)
        try c.encode(group.interruptedCount, forKey: .n_interrupted)
        try c.encode(group.runningCount, forKey: .n_running)
        try c.encode(group.failureMode, forKey: .failure_mode)
        var cells = c.nestedUnkeyedContainer(forKey: .cells)
        for run in group.runs.sorted(by: { RecordPicker.seedOrder($0.seed, $1.seed) }) {
            var cell = cells.nestedContainer(keyedBy: CellKeys.self)
            try cell.encode(run.id, forKey: .id)
            try cell.encode(run.seed, forKey: .seed)
            try cell.encode(run.status.rawValue, forKey: .status)
            try cell.encode(run.error, forKey: .error)
        }
        var byName: [String: MetricJSON] = [:]
        for m in metrics { byName[m.name] = MetricJSON(summary: group.metrics[m.name]) }
        try c.encode(byName, forKey: .metrics)
    }
}
