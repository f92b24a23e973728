import Foundation

/// Writes a `PairedComparison` as Markdown or HTML (through the Mustache templates), CSV or JSON.
public struct ComparisonRenderer {
    public let comparison: PairedComparison
    public let templates: TemplateSet

    public init(comparison: PairedComparison, templates: TemplateSet) {
        self.comparison = comparison
        self.templates = templates
    }

    public func render(_ format: OutputFormat) throws -> String {
        switch format {
        case .md: return try templates.render("compare.md", view(markdown: true))
        case .html: return try templates.render("compare.html", view(markdown: false))
        case .csv: return csv()
        case .json: return try json()
        }
    }

    var c: PairedComparison { comparison }

    /// "Paired comparison: edit-distance — loss=dpop (treatment) − loss=dpo (baseline), final step, eval split."
    public var caption: String {
        "Paired comparison: \(c.experiment) — \(c.options.treatment) (treatment) − \(c.options.baseline) (baseline), "
            + "\(c.stepDescription), \(c.options.bucket.map { "bucket \($0)" } ?? "eval split")."
    }

    /// Template context with the same shape as a table's: `caption`, `columns`, `rows`, `notes`.
    public func view(markdown: Bool) -> [String: Any] {
        let esc: (String) -> String = { markdown ? TextFormat.markdownCell($0) : $0 }
        var columns: [[String: Any]] = c.axes.map { ["text": esc($0), "label": esc($0), "numeric": false] }
        columns.append(["text": "pairs", "label": "pairs", "numeric": true])
        columns += c.metrics.map { m -> [String: Any] in
            return ["text": esc("\(m.header) \(m.better.arrow)"), "label": esc("\(m.label) \(m.better.arrow)"), "metricName": m.name, "numeric": true]
        }
        columns.append(["text": "failure mode", "label": "failure mode", "numeric": false])
        for i in columns.indices { columns[i]["align"] = (columns[i]["numeric"] as? Bool ?? false) ? "--:" : ":--" }

        var rows: [[String: Any]] = []
        var notes: [String] = []
        for g in c.groups {
            var cells: [[String: Any]] = c.axes.map { ["text": esc(g.key[$0] ?? TextFormat.missing), "cls": "axis"] }
            cells.append(["text": "\(g.pairs.count)", "cls": "num n"])
            for m in c.metrics {
                guard let pm = g.metrics[m.name], let d = pm.difference else {
                    cells.append(["text": TextFormat.missing, "cls": "num"])
                    continue
                }
                let text = "\(TextFormat.difference(d)) \(pm.wins)/\(pm.pairs.count)"
                // A CI of the difference clear of 0 on the better side colours the cell (not for closer-to-0 metrics,
                // whose difference's sign says nothing on its own).
                var better = ""
                if let low = d.ciLow, let high = d.ciHigh, m.better != .closerToZero {
                    let up = m.better == .higher
                    better = (up ? low > 0 : high < 0) ? " better" : (up ? high < 0 : low > 0) ? " worse" : ""
                }
                cells.append(["text": esc(text), "cls": "num" + better,
                              "title": "mean difference \(TextFormat.number(d.mean)), treatment better in \(pm.wins) of \(pm.pairs.count) seed pairs"])
            }
            let flagged = g.baselineFailureMode || g.treatmentFailureMode
            cells.append(["text": esc(g.failureModeText), "cls": flagged ? "flag failure-mode" : "flag"])
            rows.append(["cells": cells, "cls": g.pairs.isEmpty ? "unpaired" : ""])
            if !g.unpaired.isEmpty {
                let where_ = TextFormat.key(g.key, axes: c.axes)
                let list = g.unpaired.map { "\($0.side.rawValue) seed \($0.seed ?? "—") (cell \($0.cell)): \($0.reason)" }
                notes.append("Unpaired\(where_.isEmpty ? "" : " at \(where_)"): \(list.joined(separator: "; ")).")
            }
        }
        notes.insert("Each cell: mean paired difference treatment − baseline [95% CI, t with n−1 df], then wins/pairs: "
                     + "seeds where the treatment is better (↑ higher is better, ↓ lower is better).", at: 0)
        if c.groups.contains(where: { $0.baselineFailureMode || $0.treatmentFailureMode }) { notes.append(FailureMode.legend) }
        notes.append("\(c.statusLine).")
        return ["experiment": esc(c.experiment), "caption": esc(caption), "constants": "", "hasConstants": false,
                "columns": columns, "rows": rows, "notes": notes.map(esc)]
    }

    /// One line per group: axes, `n_pairs`, both failure-mode flags, then per metric `<m>_diff_mean,
    /// <m>_diff_std,<m>_n,<m>_ci_low,<m>_ci_high,<m>_wins,<m>_win_rate,<m>_higher_is_better,
    /// <m>_baseline_mean,<m>_treatment_mean`, then `unpaired` (`side:seed:cell:reason`, `;`-separated).
    public func csv() -> String {
        var header = c.axes + ["n_pairs", "baseline_failure_mode", "treatment_failure_mode"]
        for m in c.metrics {
            header += ["diff_mean", "diff_std", "n", "ci_low", "ci_high", "wins", "win_rate", "higher_is_better",
                       "baseline_mean", "treatment_mean"].map { "\(m.name)_\($0)" }
        }
        header.append("unpaired")
        var lines = [header.map(TextFormat.csvField).joined(separator: ",")]
        for g in c.groups {
            var f = c.axes.map { g.key[$0] ?? "" }
            f += ["\(g.pairs.count)", "\(g.baselineFailureMode)", "\(g.treatmentFailureMode)"]
            for m in c.metrics {
                let pm = g.metrics[m.name], d = pm?.difference
                f += [TextFormat.csvNumber(d?.mean), TextFormat.csvNumber(d?.std), "\(pm?.pairs.count ?? 0)",
                      TextFormat.csvNumber(d?.ciLow), TextFormat.csvNumber(d?.ciHigh), "\(pm?.wins ?? 0)",
                      TextFormat.csvNumber(pm?.winRate), "\(m.higherIsBetter)",
                      TextFormat.csvNumber(pm?.baselineMean), TextFormat.csvNumber(pm?.treatmentMean)]
            }
            f.append(g.unpaired.map { "\($0.side.rawValue):\($0.seed ?? ""):\($0.cell):\($0.reason)" }.joined(separator: ";"))
            lines.append(f.map(TextFormat.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(ComparisonJSON(comparison: c)), as: UTF8.self) + "\n"
    }
}
