import Foundation

/// Writes a `ComparisonTable` as Markdown or HTML (through the Mustache templates), CSV or JSON.
///
/// Markdown and HTML show `mean ± std` and pivot columns; CSV and JSON always have one record per
/// group with the raw numbers (mean, std, n, 95% CI per metric), ignoring the pivot, for other tools.
public struct TableRenderer {
    public let table: ComparisonTable
    public let templates: TemplateSet

    public init(table: ComparisonTable, templates: TemplateSet) {
        self.table = table
        self.templates = templates
    }

    /// The template a format renders through (`--template` replaces it); CSV and JSON have none.
    public static func templateName(for format: OutputFormat) throws -> String {
        switch format {
        case .md: return "table.md"
        case .html: return "table.html"
        case .csv, .json:
            throw ReportError.badOption(option: "--template", value: format.rawValue, expected: "--format md or html (CSV and JSON are not templated)")
        }
    }

    public func render(_ format: OutputFormat) throws -> String {
        switch format {
        case .md: return try templates.render("table.md", view(markdown: true))
        case .html: return try templates.render("table.html", view(markdown: false))
        case .csv: return csv()
        case .json: return try json()
        }
    }

    // MARK: Markdown and HTML

    /// The metric cell that carries a group's failure-mode marker: Δw when shown, else the first metric.
    var markerMetric: String {
        table.metrics.contains { $0.name == FailureMode.metricName } ? FailureMode.metricName : table.metrics[0].name
    }

    /// Template context: `caption`, `constants`, `columns` (`text`, or `label` and `metricName`; `numeric`,
    /// `align`), `rows` (`cls`, `cells` with `text`, `cls`, `title`), `notes`.
    public func view(markdown: Bool) -> [String: Any] {
        let esc: (String) -> String = { markdown ? TextFormat.markdownCell($0) : $0 }
        var columns: [[String: Any]] = (table.rowAxes.isEmpty ? ["cells"] : table.rowAxes).map { ["text": esc($0), "label": esc($0), "numeric": false] }
        var rows: [[String: Any]] = []

        func axisCells(_ key: [String: String]) -> [[String: Any]] {
            table.rowAxes.isEmpty ? [["text": "all", "cls": "axis"]]
                : table.rowAxes.map { ["text": esc(key[$0] ?? TextFormat.missing), "cls": "axis"] }
        }
        func rowClass(_ groups: [GroupSummary]) -> String {
            var cls: [String] = []
            if groups.contains(where: { $0.failureMode }) { cls.append("failure-mode") }
            if let worst = groups.map(\.status).first(where: { $0 != .completed }) { cls.append("status-\(worst.rawValue)") }
            return cls.joined(separator: " ")
        }

        if !table.isPivoted {
            columns.append(["text": "n", "label": "n", "numeric": true])
            columns += table.metrics.map { ["text": esc($0.header), "label": esc($0.label), "metricName": $0.name, "numeric": true] }
            for g in table.groups {
                rows.append(["cells": axisCells(g.key) + [["text": g.countText(table.metrics), "cls": "num n"]]
                                + table.metrics.map { metricCell(g, $0, esc: esc, annotateN: false) },
                             "cls": rowClass([g])])
            }
            for id in table.runningWithoutResult {
                var cells = axisCells([:])
                cells[0]["text"] = "cell \(id)"
                cells += [["text": "0 (1 running)", "cls": "num n"]]
                cells += table.metrics.map { _ in ["text": "running", "cls": "status"] as [String: Any] }
                rows.append(["cells": cells, "cls": "status-running"])
            }
        } else {
            for m in table.metrics {
                for c in table.colKeys {
                    let label = TextFormat.key(c, axes: table.colAxes)
                    let text = table.metrics.count == 1 ? label : "\(m.label) · \(label)"
                    columns.append(["text": esc(text.isEmpty ? m.header : text), "label": esc(text.isEmpty ? m.label : text),
                                    "metricName": m.name, "numeric": true])
                }
            }
            for r in table.rowKeys {
                var cells = axisCells(r)
                var inRow: [GroupSummary] = []
                for m in table.metrics {
                    for c in table.colKeys {
                        if let g = table.group(row: r, col: c) {
                            inRow.append(g)
                            cells.append(metricCell(g, m, esc: esc, annotateN: true))
                        } else {
                            cells.append(["text": TextFormat.missing, "cls": "num"])
                        }
                    }
                }
                rows.append(["cells": cells, "cls": rowClass(inRow)])
            }
        }
        for i in columns.indices { columns[i]["align"] = (columns[i]["numeric"] as? Bool ?? false) ? "--:" : ":--" }

        var notes: [String] = []
        if !table.pooledAxes.isEmpty {
            notes.append("Pooled over \(table.pooledAxes.joined(separator: ", ")) (neither a row nor a column), as if seeds.")
        }
        if table.isPivoted, !table.runningWithoutResult.isEmpty {
            notes.append("Running, grid values not yet known: \(table.runningWithoutResult.map { "cell \($0)" }.joined(separator: ", ")).")
        }
        if table.groups.contains(where: { $0.failureMode }) { notes.append(FailureMode.legend) }
        notes.append("\(table.statusLine).")
        let constants = table.constantAxes.map { "\($0.axis) = \($0.value)" }.joined(separator: ", ")
        return [
            "experiment": esc(table.experiment),
            "caption": esc(caption),
            "constants": esc(constants),
            "hasConstants": !constants.isEmpty,
            "columns": columns,
            "rows": rows,
            "notes": notes.map(esc),
        ]
    }

    /// "Table: edit-distance — final step, eval split; mean ± sample std over seeds (n = 3 per row unless noted)."
    public var caption: String {
        let unit = table.isPivoted ? "per cell" : "per row"
        return "Table: \(table.experiment) — \(table.stepDescription), \(table.splitDescription); "
            + "mean ± sample std over seeds (n = \(table.typicalN) \(unit) unless noted)."
    }

    func metricCell(_ g: GroupSummary, _ m: Metric, esc: (String) -> String, annotateN: Bool) -> [String: Any] {
        if g.completedCount == 0 { return ["text": g.status.rawValue, "cls": "status"] }
        guard let s = g.metrics[m.name]?.summary else { return ["text": TextFormat.missing, "cls": "num"] }
        var text = TextFormat.meanStd(s)
        if annotateN && (s.n != table.typicalN || g.status != .completed) {
            // A pivot cell has no n column: say how many seeds it rests on, and what is missing.
            text += " (n=\(s.n)" + (g.failedCount > 0 ? ", \(g.failedCount) failed" : "")
                + (g.interruptedCount > 0 ? ", \(g.interruptedCount) interrupted" : "")
                + (g.runningCount > 0 ? ", \(g.runningCount) running" : "") + ")"
        }
        let flagged = g.failureMode && m.name == markerMetric
        if flagged { text += " " + FailureMode.marker }
        var title = "n = \(s.n)"
        if let lo = s.ciLow, let hi = s.ciHigh { title = "95% CI [\(TextFormat.number(lo)), \(TextFormat.number(hi))], " + title }
        return ["text": esc(text), "cls": flagged ? "num failure-mode" : "num", "title": title]
    }

    // MARK: CSV and JSON

    var groupAxes: [String] { table.rowAxes + table.colAxes }

    /// One line per group: axes, status, counts (`n_completed`, `n_failed`, `n_interrupted`, `n_running`),
    /// `failure_mode`, then per metric
    /// `<m>_mean,<m>_std,<m>_n,<m>_ci_low,<m>_ci_high`, then `cells` (ids, `;`-separated).
    public func csv() -> String {
        var header = groupAxes + ["status", "n_completed", "n_failed", "n_interrupted", "n_running", "failure_mode"]
        for m in table.metrics { header += ["mean", "std", "n", "ci_low", "ci_high"].map { "\(m.name)_\($0)" } }
        header.append("cells")
        var lines = [header.map(TextFormat.csvField).joined(separator: ",")]
        for g in table.groups {
            var fields = groupAxes.map { g.key[$0] ?? "" }
            fields += [g.status.rawValue, "\(g.completedCount)", "\(g.failedCount)", "\(g.interruptedCount)", "\(g.runningCount)",
                       g.failureMode ? "true" : "false"]
            for m in table.metrics {
                let s = g.metrics[m.name]?.summary
                fields += [TextFormat.csvNumber(s?.mean), TextFormat.csvNumber(s?.std), s.map { "\($0.n)" } ?? "0",
                           TextFormat.csvNumber(s?.ciLow), TextFormat.csvNumber(s?.ciHigh)]
            }
            fields.append(g.runs.map(\.id).sorted().joined(separator: ";"))
            lines.append(fields.map(TextFormat.csvField).joined(separator: ","))
        }
        for id in table.runningWithoutResult {
            var fields = groupAxes.map { _ in "" } + ["running", "0", "0", "0", "1", "false"]
            for _ in table.metrics { fields += ["", "", "0", "", ""] }
            fields.append(id)
            lines.append(fields.map(TextFormat.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table as JSON (see `TableJSON` for the shape).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(TableJSON(table)), as: UTF8.self) + "\n"
    }
}
