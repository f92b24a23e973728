import DPOPTrainer
import Foundation

/// The report's plots, built from a results folder: training curves of Δw and Δl per bucket, final Δw
/// against λ and β, reward accuracy against Δw, and task accuracy over training and against Δw.
public enum ReportFigures {
    /// Every figure the results support, and notes on the ones they do not (e.g. "β does not vary").
    public static func build(_ results: ExperimentResults) -> (figures: [ReportFigure], notes: [String]) {
        var figures: [ReportFigure] = []
        var notes: [String] = []
        let deltaW = Metric.logpsChosenDelta, deltaL = Metric.logpsRejectedDelta
        for (metric, id, what) in [(deltaW, "delta-w-curves", "Δw = log π(y_w) − log π_ref(y_w)"),
                                   (deltaL, "delta-l-curves", "Δl = log π(y_l) − log π_ref(y_l)")] {
            if let f = trainingCurves(results, metric: metric, id: id, what: what) { figures.append(f) }
        }
        for (axis, symbol) in [("lambda", "λ"), ("beta", "β")] {
            if let f = sweep(results, axis: axis, symbol: symbol) { figures.append(f) }
            else { notes.append("No plot of final Δw against \(symbol): \(symbol) (\(axis)) takes fewer than two values among the finished cells.") }
        }
        if let f = accuracyAgainstDelta(results) { figures.append(f) }
        if let f = taskAccuracyCurves(results) { figures.append(f) }
        if let f = taskAccuracyAgainstDelta(results) { figures.append(f) }
        if let f = displacementProfile(results) { figures.append(f) }
        if figures.isEmpty { notes.append("No finished cells with eval records: nothing to plot yet.") }
        return (figures, notes)
    }

    static var finalPicker: RecordPicker { RecordPicker(step: .final, judge: FailureMode.metric, bucket: nil) }

    /// One panel per bucket (the `bucket` axis, else the per-bucket metrics of the records); one line per
    /// series (every varying axis but seed and bucket), mean over seeds with a ± 1 std band.
    static func trainingCurves(_ results: ExperimentResults, metric: Metric, id: String, what: String) -> ReportFigure? {
        guard let (charts, series, completed) = curvePanels(results, metric: metric, dashedAtStart: false) else { return nil }
        let title = "\(what) during training"
        var figure = Figure(title: title, panels: charts, legend: legend(series) + [zeroLegend])
        figure.sharedY = true
        let n = seedsText(completed)
        return ReportFigure(
            id: id, title: title,
            caption: "\(metric.label) (\(metric.name)) on the eval pairs at each eval step, one panel per edit-distance bucket. "
                + "Line: mean over seeds (\(n)); band: ± 1 sample standard deviation (where n ≥ 2). "
                + "Dashed: 0, no change from the reference model; \(metric.name == FailureMode.metricName ? "below it the preferred answer became less likely (DPO's failure mode)." : "below it the dispreferred answer became less likely.")",
            svg: figure.svg())
    }

    /// Task accuracy (greedy exact answer) over training, as the training curves, with the dashed line at
    /// the reference's accuracy (the step-0 value, mean over the panel's cells); nil without task accuracy.
    static func taskAccuracyCurves(_ results: ExperimentResults) -> ReportFigure? {
        let metric = Metric.taskAccuracy
        guard let (charts, series, completed) = curvePanels(results, metric: metric, dashedAtStart: true) else { return nil }
        let title = "Task accuracy during training"
        var figure = Figure(title: title, panels: charts, legend: legend(series) + [referenceLegend])
        figure.sharedY = true
        return ReportFigure(
            id: "task-accuracy-curves", title: title,
            caption: "Share of eval problems whose greedy completion states the right final answer (\(metric.name)) at each eval step, "
                + "one panel per edit-distance bucket. Line: mean over seeds (\(seedsText(completed))); band: ± 1 sample standard deviation (where n ≥ 2). "
                + "Dashed: the reference model's accuracy (step 0, mean over the panel's cells); below it the preference stage cost task accuracy.",
            svg: figure.svg())
    }

    /// Mean per-token Δ log-prob at offsets −K…K around the first difference (`displacement/profile`) at the
    /// final eval: one colour per series (every varying axis but seed and bucket), chosen solid and rejected
    /// dashed, each offset averaged over seeds; nil when no finished cell's records carry the profile.
    static func displacementProfile(_ results: ExperimentResults) -> ReportFigure? {
        let completed = results.runs.filter { $0.status == .completed && $0.history.last?.eval.displacementProfile != nil }
        guard !completed.isEmpty else { return nil }
        let series = SeriesKey.group(completed, axes: results.varyingAxes.filter { $0 != "seed" && $0 != "bucket" }, in: results)
        var chart = Chart(title: "final eval", xTitle: "offset from the first differing token", yTitle: "mean Δ log-prob per token (nats)")
        chart.referenceY = 0
        for s in series {
            let profiles = s.runs.compactMap { $0.history.last?.eval.displacementProfile }
            guard let radius = profiles.map(\.radius).max() else { continue }
            for (side, dashed) in [("y_w", false), ("y_l", true)] {
                var line = Chart.Series(label: "\(s.label) \(side)", color: s.color)
                line.dashed = dashed
                for k in -radius...radius {
                    let values = profiles.compactMap { p -> Double? in
                        guard abs(k) <= p.radius else { return nil }
                        return (dashed ? p.rejected : p.chosen)[k + p.radius]
                    }
                    if let summary = SampleSummary(values) { line.line.append((Double(k), summary.mean)) }
                }
                if !line.line.isEmpty { chart.series.append(line) }
            }
        }
        guard !chart.series.isEmpty else { return nil }
        let title = "Per-token likelihood displacement around the first difference"
        let figure = Figure(title: title, panels: [chart],
                            legend: legend(series) + [Figure.LegendEntry(label: "dashed: y_l (solid: y_w)", color: "#777777", mark: .dashed)])
        return ReportFigure(
            id: "displacement-profile", title: title,
            caption: "Mean change of per-token log-prob (policy − reference) of the chosen (solid) and rejected (dashed) completion at each "
                + "offset from the first token where they differ (displacement/profile), at the final eval over the eval pairs, "
                + "mean over seeds (\(seedsText(completed))). Under DPO the tokens after the difference lose likelihood.",
            svg: figure.svg())
    }

    /// The panels of a curves figure: per bucket, a line per series (mean over seeds, ± 1 std band); the
    /// dashed line at 0, or with `dashedAtStart` at the mean step-0 value of the panel's cells.
    static func curvePanels(_ results: ExperimentResults, metric: Metric, dashedAtStart: Bool)
        -> (charts: [Chart], series: [(key: SeriesKey, runs: [RunResult], color: String, label: String)], completed: [RunResult])? {
        let completed = results.runs.filter { r in
            r.status == .completed && r.history.contains { metric.value(in: $0) != nil || $0.buckets.values.contains { metric.value(in: $0) != nil } }
        }
        guard !completed.isEmpty else { return nil }
        // Panels: (title, runs, which metrics of a record to read).
        var panels: [(title: String, runs: [RunResult], bucket: String?)] = []
        if results.axes.contains("bucket") {
            for b in results.values(of: "bucket") { panels.append(("bucket \(b)", completed.filter { $0.values["bucket"] == b }, nil)) }
            let rest = completed.filter { $0.values["bucket"] == nil }
            if !rest.isEmpty { panels.append(("all pairs", rest, nil)) }
        } else {
            let names = Set(completed.flatMap { $0.history.flatMap { $0.buckets.keys } })
            let ordered = results.ordered(buckets: names)
            panels = ordered.isEmpty ? [("eval split", completed, nil)] : ordered.map { ("bucket \($0)", completed, $0) }
        }
        let seriesAxes = results.varyingAxes.filter { $0 != "seed" && $0 != "bucket" }
        let series = SeriesKey.group(completed, axes: seriesAxes, in: results)
        var charts: [Chart] = []
        for panel in panels {
            var chart = Chart(title: panel.title, xTitle: "training step", yTitle: metric.axisTitle)
            if dashedAtStart {
                let starts = panel.runs.compactMap { r in r.history.first { $0.step == 0 }.flatMap { metric.value(in: $0, bucket: panel.bucket) } }
                chart.referenceY = SampleSummary(starts)?.mean
            } else {
                chart.referenceY = 0
            }
            chart.bandOpacity = series.count > 4 ? 0.08 : 0.16
            for s in series {
                let runs = s.runs.filter { r in panel.runs.contains { $0.id == r.id } }
                guard !runs.isEmpty else { continue }
                var line = Chart.Series(label: s.label, color: s.color)
                let steps = Set(runs.flatMap { $0.history.map(\.step) }).sorted()
                for step in steps {
                    let values = runs.compactMap { r in r.history.first { $0.step == step }.flatMap { metric.value(in: $0, bucket: panel.bucket) } }
                    guard let summary = SampleSummary(values) else { continue }
                    line.line.append((Double(step), summary.mean))
                    if let sd = summary.std { line.band.append((Double(step), summary.mean - sd, summary.mean + sd)) }
                }
                if !line.line.isEmpty { chart.series.append(line) }
            }
            if !chart.series.isEmpty { charts.append(chart) }
        }
        return charts.isEmpty ? nil : (charts, series, completed)
    }

    /// Final Δw against a numeric axis (λ, β): a point per cell, the seed mean joined by a line per series.
    static func sweep(_ results: ExperimentResults, axis: String, symbol: String) -> ReportFigure? {
        let deltaW = FailureMode.metric
        let cells = results.runs.filter { $0.status == .completed && $0.values[axis].flatMap(Double.init) != nil && finalPicker.value(deltaW, of: $0) != nil }
        let xs = Set(cells.compactMap { $0.values[axis].flatMap(Double.init) })
        guard xs.count >= 2 else { return nil }
        let positive = xs.allSatisfy { $0 > 0 }
        let log = positive && xs.max()! / xs.min()! >= 10
        // Series: the axes that still vary among these cells (the loss for β; the bucket for λ).
        let varying = results.axes.filter { a in a != axis && a != "seed" && Set(cells.map { $0.values[a] ?? "\u{0}" }).count > 1 }
        // Panels per bucket when the bucket varies (as in the training curves); series for the rest.
        let panelAxis: String? = varying.contains("bucket") ? "bucket" : nil
        let seriesAxes = varying.filter { $0 != panelAxis }
        let series = SeriesKey.group(cells, axes: seriesAxes, in: results)
        let panelValues: [String?] = panelAxis.map { a in results.values(of: a).filter { v in cells.contains { $0.values[a] == v } } } ?? [nil]
        var charts: [Chart] = []
        for panelValue in panelValues {
            var chart = Chart(title: panelValue.map { "bucket \($0)" } ?? "final step, one point per cell",
                              xTitle: log ? "\(symbol) (log scale)" : symbol, yTitle: deltaW.axisTitle, xKind: log ? .log : .linear)
            chart.referenceY = 0
            for s in series {
                var line = Chart.Series(label: s.label, color: s.color)
                line.markers = true
                var byX: [Double: [Double]] = [:]
                for r in s.runs where panelAxis == nil || r.values[panelAxis!] == panelValue {
                    guard let x = r.values[axis].flatMap(Double.init), let v = finalPicker.value(deltaW, of: r) else { continue }
                    line.points.append((x, v.value, "cell \(r.id) \(results.label(of: r)): Δw \(TextFormat.number(v.value))"))
                    byX[x, default: []].append(v.value)
                }
                for x in byX.keys.sorted() { line.line.append((x, SampleSummary(byX[x]!)!.mean)) }
                if !line.points.isEmpty { chart.series.append(line) }
            }
            charts.append(chart)
        }
        let constant = results.axes.filter { a in a != axis && a != "seed" && !varying.contains(a) }
            .compactMap { a in cells.first?.values[a].map { "\(a)=\($0)" } }
        let scope = constant.isEmpty ? "" : " (\(constant.joined(separator: ", ")))"
        let title = "Final Δw against \(symbol)\(scope)"
        var figure = Figure(title: title, panels: charts, legend: legend(series, mark: .line) + [zeroLegend])
        if charts.count == 1 { figure.width = 720 }
        return ReportFigure(
            id: "delta-w-vs-\(axis)", title: title,
            caption: "Final Δw (logps/chosen_delta) of each finished cell with a \(symbol) value\(panelAxis == nil ? "" : ", one panel per bucket")"
                + " (small points: one per cell/seed; large points joined by lines: mean over seeds)"
                + "\(log ? ", \(symbol) on a log scale" : ""). Dashed: Δw = 0.",
            svg: figure.svg())
    }

    /// Reward accuracy against Δw at the final step, one point per cell, coloured by loss.
    static func accuracyAgainstDelta(_ results: ExperimentResults) -> ReportFigure? {
        let deltaW = FailureMode.metric, accuracy = Metric.rewardsAccuracies
        let cells = results.runs.filter { $0.status == .completed }
        let colourAxes = results.axes.contains("loss") ? ["loss"] : []
        let series = SeriesKey.group(cells, axes: colourAxes, in: results)
        var chart = Chart(title: "final step, one point per cell", xTitle: deltaW.axisTitle, yTitle: "reward accuracy (share Δw > Δl)")
        chart.referenceX = 0
        for s in series {
            var points = Chart.Series(label: s.label, color: s.color)
            points.pointRadius = 5
            points.pointOpacity = 0.8
            for r in s.runs {
                guard let x = finalPicker.value(deltaW, of: r), let y = finalPicker.value(accuracy, of: r) else { continue }
                points.points.append((x.value, y.value, "cell \(r.id) \(results.label(of: r))"))
            }
            if !points.points.isEmpty { chart.series.append(points) }
        }
        guard !chart.series.isEmpty else { return nil }
        let title = "Reward accuracy against Δw"
        var figure = Figure(title: title, panels: [chart], legend: legend(series, mark: .point) + [zeroLegend])
        figure.width = 720
        return ReportFigure(
            id: "accuracy-vs-delta-w", title: title,
            caption: "Each point is one finished cell at its final step: x its mean Δw, y its reward accuracy (share of eval pairs with Δw > Δl). "
                + "Points left of the dashed line (Δw = 0) rank pairs correctly while making the preferred answer less likely.",
            svg: figure.svg())
    }

    /// Final change in task accuracy against final Δw, one point per cell, a panel per bucket, coloured by
    /// series (loss and λ); nil when no cell measured task accuracy.
    static func taskAccuracyAgainstDelta(_ results: ExperimentResults) -> ReportFigure? {
        let deltaW = FailureMode.metric, change = Metric.taskAccuracyDelta
        let cells = results.runs.filter { $0.status == .completed && finalPicker.value(change, of: $0) != nil && finalPicker.value(deltaW, of: $0) != nil }
        guard !cells.isEmpty else { return nil }
        let panelValues: [String?] = results.axes.contains("bucket")
            ? results.values(of: "bucket").filter { b in cells.contains { $0.values["bucket"] == b } } : [nil]
        let seriesAxes = results.varyingAxes.filter { $0 != "seed" && $0 != "bucket" }
        let series = SeriesKey.group(cells, axes: seriesAxes, in: results)
        var charts: [Chart] = []
        for panelValue in panelValues {
            var chart = Chart(title: panelValue.map { "bucket \($0)" } ?? "final step, one point per cell",
                              xTitle: deltaW.axisTitle, yTitle: "task accuracy − reference's")
            chart.referenceX = 0
            chart.referenceY = 0
            for s in series {
                var points = Chart.Series(label: s.label, color: s.color)
                points.pointRadius = 5
                points.pointOpacity = 0.8
                for r in s.runs where panelValue == nil || r.values["bucket"] == panelValue {
                    guard let x = finalPicker.value(deltaW, of: r), let y = finalPicker.value(change, of: r) else { continue }
                    points.points.append((x.value, y.value, "cell \(r.id) \(results.label(of: r)): Δw \(TextFormat.number(x.value)), Δ task acc. \(TextFormat.number(y.value))"))
                }
                if !points.points.isEmpty { chart.series.append(points) }
            }
            charts.append(chart)
        }
        let title = "Task accuracy change against Δw"
        var figure = Figure(title: title, panels: charts, legend: legend(series, mark: .point) + [zeroLegend])
        figure.sharedY = true
        if charts.count == 1 { figure.width = 720 }
        return ReportFigure(
            id: "task-accuracy-vs-delta-w", title: title,
            caption: "Each point is one finished cell at its final step: x its mean Δw (logps/chosen_delta), y its task accuracy minus the reference's "
                + "(\(change.name)), one panel per edit-distance bucket. Dashed: no change from the reference on either axis; "
                + "points low and left lost both the preferred answers' likelihood and task accuracy.",
            svg: figure.svg())
    }

    static let referenceLegend = Figure.LegendEntry(label: "reference model (step 0)", color: "#777777", mark: .dashed)

    static let zeroLegend = Figure.LegendEntry(label: "0 (no change from reference)", color: "#777777", mark: .dashed)

    static func legend(_ series: [(key: SeriesKey, runs: [RunResult], color: String, label: String)], mark: Figure.Mark = .line) -> [Figure.LegendEntry] {
        series.map { Figure.LegendEntry(label: $0.label, color: $0.color, mark: mark) }
    }

    /// "n = 3" or "n = 1–3" seeds.
    static func seedsText(_ runs: [RunResult]) -> String {
        let counts = Dictionary(grouping: runs) { $0.values.filter { $0.key != "seed" } }.values.map(\.count)
        guard let lo = counts.min(), let hi = counts.max() else { return "n = 0" }
        return lo == hi ? "n = \(lo)" : "n = \(lo)–\(hi)"
    }
}
