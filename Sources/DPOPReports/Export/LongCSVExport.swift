/// A results folder as one long CSV table for pandas: a row per cell, step and metric, with the cell's
/// grid values as columns (`cell, <axes…>, status, step, scope, metric, value`).
public struct LongCSVExport {
    public let results: ExperimentResults

    public init(results: ExperimentResults) { self.results = results }

    /// The CSV text (RFC 4180, numbers in shortest round-trip form).
    public func render() -> String {
        let axes = results.axes
        var lines = [(["cell"] + axes + ["status", "step", "scope", "metric", "value"]).map(TextFormat.csvField).joined(separator: ",")]
        for run in results.runs {
            let key = [run.id] + axes.map { run.values[$0] ?? "" } + [run.status.rawValue]
            for p in MetricSeries(run.history).points {
                let fields = key + [String(p.step), p.scope, p.metric, TextFormat.csvNumber(p.value)]
                lines.append(fields.map(TextFormat.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
