import Foundation

/// `dpop predictors` output: a Markdown table, CSV, or JSON of a `PredictorAnalysis`.
public enum PredictorTableRenderer {
    /// The analysis in `format` (md, csv or json; html is not offered).
    public static func render(_ a: PredictorAnalysis, format: OutputFormat) throws -> String {
        switch format {
        case .md: return markdown(a)
        case .csv: return csv(a)
        case .json: return try json(a)
        case .html: throw ReportError.badOption(option: "--format", value: "html", expected: "md, csv or json")
        }
    }

    static func markdown(_ a: PredictorAnalysis) -> String {
        let target = a.options.target == "delta_w" ? "Δw" : "Δl"
        let level = Int((a.options.level * 100).rounded())
        var lines = [
            "Spearman ρ(statistic, \(target)) over \(a.options.split) pairs, mean over seeds; [\(level)% bootstrap CI, "
                + "\(a.options.resamples) resamples of pairs within each seed]. |ρ| gain: |ρ| − |ρ(edit_distance)| on the same resamples.",
            "",
            "| " + (a.axes + ["statistic", "pairs", "seeds", "ρ [\(level)% CI]", "|ρ| gain over edit distance [\(level)% CI]"]).joined(separator: " | ") + " |",
            "|" + String(repeating: "---|", count: a.axes.count + 5),
        ]
        for r in a.rows {
            let gain = r.gainOverEditDistance.map { g in
                String(format: "%+.3f [%+.3f, %+.3f]", g, r.gainCILow ?? g, r.gainCIHigh ?? g)
            } ?? "—"
            let cells = a.axes.map { r.key[$0] ?? "-" } + [
                r.statistic.rawValue, "\(r.pairs)", "\(r.seeds)",
                String(format: "%+.3f [%+.3f, %+.3f]", r.rho, r.ciLow, r.ciHigh), gain,
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines += a.notes.map { "\nNote: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csv(_ a: PredictorAnalysis) -> String {
        func field(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        func number(_ x: Double?) -> String { x.map { String($0) } ?? "" }
        var lines = [(a.axes + ["statistic", "target", "split", "pairs", "seeds", "rho", "rho_ci_low", "rho_ci_high",
                                "gain", "gain_ci_low", "gain_ci_high"]).map(field).joined(separator: ",")]
        for r in a.rows {
            let cells = a.axes.map { r.key[$0] ?? "" } + [r.statistic.rawValue, a.options.target, a.options.split, "\(r.pairs)", "\(r.seeds)",
                                                        number(r.rho), number(r.ciLow), number(r.ciHigh),
                                                        number(r.gainOverEditDistance), number(r.gainCILow), number(r.gainCIHigh)]
            lines.append(cells.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ a: PredictorAnalysis) throws -> String {
        struct Out: Encodable {
            var target: String, split: String, resamples: Int, level: Double, notes: [String]
            var rows: [RowOut]
        }
        struct RowOut: Encodable {
            var key: [String: String], statistic: String, pairs: Int, seeds: Int
            var rho: Double, rho_ci_low: Double, rho_ci_high: Double
            var gain: Double?, gain_ci_low: Double?, gain_ci_high: Double?
        }
        let out = Out(target: a.options.target, split: a.options.split, resamples: a.options.resamples, level: a.options.level,
                      notes: a.notes, rows: a.rows.map {
                          RowOut(key: $0.key, statistic: $0.statistic.rawValue, pairs: $0.pairs, seeds: $0.seeds, rho: $0.rho,
                                 rho_ci_low: $0.ciLow, rho_ci_high: $0.ciHigh, gain: $0.gainOverEditDistance,
                                 gain_ci_low: $0.gainCILow, gain_ci_high: $0.gainCIHigh)
                      })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(out), as: UTF8.self) + "\n"
    }
}
