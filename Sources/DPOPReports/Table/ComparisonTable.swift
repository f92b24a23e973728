/// An `exp show`-style table: cells grouped by their row (and column) axes, seeds aggregated per metric.
public struct ComparisonTable: Sendable {
    public let experiment: String
    public let options: TableOptions
    /// The metrics shown, in order.
    public let metrics: [Metric]
    public let rowAxes: [String]
    /// Axes pivoted into columns (empty: one row per group).
    public let colAxes: [String]
    /// Varying axes that are neither rows nor columns: their cells are pooled like seeds.
    public let pooledAxes: [String]
    public let constantAxes: [(axis: String, value: String)]
    /// Groups in display order.
    public let groups: [GroupSummary]
    /// Distinct row-axis values in display order, and the same for columns.
    public let rowKeys: [[String: String]]
    public let colKeys: [[String: String]]
    /// "12 cells finished, 1 failed, 1 running".
    public let statusLine: String
    /// Cells with a lock but no run.json: their grid values are not known yet.
    public let runningWithoutResult: [String]
    /// Seeds per group behind the numbers in most groups: the caption's n.
    public let typicalN: Int

    /// Groups `results` by the row and column axes and summarises every metric over the seeds.
    public static func build(_ results: ExperimentResults, options: TableOptions = TableOptions()) throws -> ComparisonTable {
        let known = results.axes
        for axis in (options.rows ?? []) + options.cols where !known.contains(axis) {
            throw ReportError.unknownAxis(axis, known: known)
        }
        let metrics = try options.metrics.map(Metric.named)
        let sortMetric = try options.sort.map(Metric.named)
        let picker = RecordPicker(step: options.step, judge: sortMetric ?? metrics[0], bucket: options.bucket)
        try picker.validate(against: results)

        let varying = results.varyingAxes.filter { $0 != "seed" }
        let rowAxes = options.rows ?? varying.filter { !options.cols.contains($0) }
        let groupAxes = rowAxes + options.cols
        let pooled = varying.filter { !groupAxes.contains($0) }
        let constant = results.constantAxes.filter { !groupAxes.contains($0.axis) && $0.axis != "seed" }

        var byKey: [[String: String]: [RunResult]] = [:]
        for run in results.runs {
            byKey[run.values.filter { groupAxes.contains($0.key) }, default: []].append(run)
        }
        let extra = [try Metric.named(FailureMode.metricName)] + [sortMetric].compactMap { $0 }
        var groups = byKey.map { key, runs in
            GroupSummary(key: key, runs: runs, metrics: picker.summarize(runs, metrics: metrics + extra))
        }
        groups.sort { results.compareKeys($0.key, $1.key, axes: groupAxes) }

        func project(_ key: [String: String], _ axes: [String]) -> [String: String] { key.filter { axes.contains($0.key) } }
        var rowKeys: [[String: String]] = []
        var colKeys: [[String: String]] = []
        for g in groups {
            let r = project(g.key, rowAxes), c = project(g.key, options.cols)
            if !rowKeys.contains(r) { rowKeys.append(r) }
            if !colKeys.contains(c) { colKeys.append(c) }
        }
        if let sortMetric {
            // Best first by the mean over the row's groups; rows without the metric go last.
            func score(_ row: [String: String]) -> Double? {
                let means = groups.filter { project($0.key, rowAxes) == row }.compactMap { $0.metrics[sortMetric.name]?.summary?.mean }
                return means.isEmpty ? nil : means.reduce(0, +) / Double(means.count)
            }
            let scores = rowKeys.map(score)
            let order = rowKeys.indices.sorted { i, j in
                switch (scores[i], scores[j]) {
                case let (a?, b?) where a != b: return sortMetric.isBetter(a, than: b)
                case (_?, nil): return true
                case (nil, _?): return false
                default: return i < j
                }
            }
            rowKeys = order.map { rowKeys[$0] }
            groups.sort { a, b in
                (rowKeys.firstIndex(of: project(a.key, rowAxes)) ?? 0, colKeys.firstIndex(of: project(a.key, options.cols)) ?? 0)
                    < (rowKeys.firstIndex(of: project(b.key, rowAxes)) ?? 0, colKeys.firstIndex(of: project(b.key, options.cols)) ?? 0)
            }
        }
        let counts = Dictionary(groups.filter { $0.completedCount > 0 }.map { ($0.valueCount(metrics), 1) }, uniquingKeysWith: +)
        let typical = counts.max { a, b in a.value != b.value ? a.value < b.value : a.key < b.key }?.key ?? 0
        return ComparisonTable(
            experiment: results.name, options: options, metrics: metrics, rowAxes: rowAxes, colAxes: options.cols,
            pooledAxes: pooled, constantAxes: constant, groups: groups, rowKeys: rowKeys, colKeys: colKeys,
            statusLine: results.statusLine, runningWithoutResult: results.runningWithoutResult, typicalN: typical)
    }

    /// The group at a row and column key.
    public func group(row: [String: String], col: [String: String]) -> GroupSummary? {
        let key = row.merging(col) { a, _ in a }
        return groups.first { $0.key == key }
    }

    /// True when columns pivot an axis.
    public var isPivoted: Bool { !colAxes.isEmpty }

    /// "step final", "step 50" or "best step by Δw (per cell)".
    public var stepDescription: String {
        switch options.step {
        case .final: return "final step"
        case .step(let n): return "step \(n)"
        case .best: return "best step per cell by \((options.sort.flatMap { try? Metric.named($0) } ?? metrics[0]).label)"
        }
    }

    /// "eval split" or "bucket low".
    public var splitDescription: String { options.bucket.map { "bucket \($0)" } ?? "eval split" }
}
