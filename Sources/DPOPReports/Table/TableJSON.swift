/// The JSON shape of `dpop table --format json`: raw numbers per group and metric, nulls where a value
/// does not exist (std and CI of one seed).
///
/// ```
/// {"experiment", "step", "bucket", "ci_level", "counts": {"finished", "failed", "running"},
///  "row_axes", "col_axes", "pooled_axes", "constant_axes": {axis: value}, "metrics": [name],
///  "groups": [{"values": {axis: value}, "status", "n_done", "n_failed", "n_running", "failure_mode",
///              "cells": [{"id", "seed", "status", "error"}],
///              "metrics": {name: {"mean", "std", "n", "ci_low", "ci_high",
///                                 "per_seed": [{"seed", "cell", "step", "value"}]}}}],
///  "running_cells": [id]}
/// ```
struct TableJSON: Encodable {
    let table: ComparisonTable

    init(_ table: ComparisonTable) { self.table = table }

    enum Keys: String, CodingKey {
        case experiment, step, bucket, ci_level, counts, row_axes, col_axes, pooled_axes, constant_axes, metrics, groups, running_cells
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(table.experiment, forKey: .experiment)
        try c.encode(table.options.step.description, forKey: .step)
        try c.encode(table.options.bucket, forKey: .bucket)
        try c.encode(0.95, forKey: .ci_level)
        let finished = table.groups.reduce(0) { $0 + $1.doneCount }
        let failed = table.groups.reduce(0) { $0 + $1.failedCount }
        let running = table.groups.reduce(0) { $0 + $1.runningCount } + table.runningWithoutResult.count
        try c.encode(["finished": finished, "failed": failed, "running": running], forKey: .counts)
        try c.encode(table.rowAxes, forKey: .row_axes)
        try c.encode(table.colAxes, forKey: .col_axes)
        try c.encode(table.pooledAxes, forKey: .pooled_axes)
        try c.encode(Dictionary(table.constantAxes.map { ($0.axis, $0.value) }, uniquingKeysWith: { a, _ in a }), forKey: .constant_axes)
        try c.encode(table.metrics.map(\.name), forKey: .metrics)
        try c.encode(table.groups.map { GroupJSON(group: $0, metrics: table.metrics) }, forKey: .groups)
        try c.encode(table.runningWithoutResult, forKey: .running_cells)
    }
}

/// One group of `TableJSON`.
struct GroupJSON: Encodable {
    let group: GroupSummary
    let metrics: [Metric]

    enum Keys: String, CodingKey { case values, status, n_done, n_failed, n_running, failure_mode, cells, metrics }
    enum CellKeys: String, CodingKey { case id, seed, status, error }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(group.key, forKey: .values)
        try c.encode(group.status.rawValue, forKey: .status)
        try c.encode(group.doneCount, forKey: .n_done)
        try c.encode(group.failedCount, forKey: .n_failed)
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
