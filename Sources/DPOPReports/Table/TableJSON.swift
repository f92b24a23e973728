/// The JSON shape of `dpop table --format json`: raw numbers per group and metric, nulls where a value
/// does not exist (std and CI of one seed).
///
/// ```
/// {"experiment", "step", "bucket", "ci_level", "counts": {"finished", "failed", "interrupted", "running"},
///  "row_axes", "col_axes", "pooled_axes", "constant_axes": {axis: value}, "metrics": [name],
///  "groups": [{"values": {axis: value}, "status", "n_completed", "n_failed", "n_interrupted", "n_running",
///              "failure_mode",
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
        let finished = table.groups.reduce(0) { $0 + $1.completedCount }
        let failed = table.groups.reduce(0) { $0 + $1.failedCount }
        let interrupted = table.groups.reduce(0) { $0 + $1.interruptedCount }
        let running = table.groups.reduce(0) { $0 + $1.runningCount } + table.runningWithoutResult.count
        try c.encode(["finished": finished, "failed": failed, "interrupted": interrupted, "running": running], forKey: .counts)
        try c.encode(table.rowAxes, forKey: .row_axes)
        try c.encode(table.colAxes, forKey: .col_axes)
        try c.encode(table.pooledAxes, forKey: .pooled_axes)
        try c.encode(Dictionary(table.constantAxes.map { ($0.axis, $0.value) }, uniquingKeysWith: { a, _ in a }), forKey: .constant_axes)
        try c.encode(table.metrics.map(\.name), forKey: .metrics)
        try c.encode(table.groups.map { GroupJSON(group: $0, metrics: table.metrics) }, forKey: .groups)
        try c.encode(table.runningWithoutResult, forKey: .running_cells)
    }
}
