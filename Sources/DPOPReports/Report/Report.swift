import Foundation

/// The experiment report: one self-contained HTML file (inline CSS and SVG, no scripts or network) and a
/// Markdown version with the SVGs as files next to it.
public struct Report {
    public let html: String
    public let markdown: String
    public let figures: [ReportFigure]
    /// Folder of the figures relative to the Markdown file (`report-figures`).
    public let figureDirectory: String

    /// Renders the report of `results` with `templates` (`report.html`, `report.md`, and the table ones).
    public static func build(_ results: ExperimentResults, templates: TemplateSet, figureDirectory: String = "report-figures") throws -> Report {
        let table = try ComparisonTable.build(results)
        let tableRenderer = TableRenderer(table: table, templates: templates)
        var comparison: ComparisonRenderer?
        let losses = Set(results.runs.compactMap(\.loss))
        if losses.contains("dpo") && losses.contains("dpop") {
            let options = CompareOptions(baseline: try CellSelector(parsing: "loss=dpo"), treatment: try CellSelector(parsing: "loss=dpop"))
            comparison = ComparisonRenderer(comparison: try PairedComparison.build(results, options: options), templates: templates)
        }
        let (figures, figureNotes) = ReportFigures.build(results)
        let provenanceSummary = ProvenanceSummary(results)

        let unfinished = results.runs.filter { $0.status != .completed }.map { r -> [String: Any] in
            ["cell": r.id, "status": r.status.rawValue,
             "label": results.label(of: r),
             "error": r.error ?? (r.status == .running ? "retry in progress" : "—")]
        } + results.runningWithoutResult.map { ["cell": $0, "status": "running", "label": "(grid values not yet recorded)", "error": "—"] }

        var common: [String: Any] = [
            "title": results.name,
            "statusLine": results.statusLine,
            "provenance": provenanceSummary.view(),
            "unfinished": unfinished,
            "hasUnfinished": !unfinished.isEmpty,
            "figureNotes": figureNotes,
            "formatVersion": 1,
            "hasComparison": comparison != nil,
        ]
        if let d = results.description { common["description"] = d }
        if let s = results.specText { common["specText"] = s }

        var htmlContext = common
        htmlContext["tableHTML"] = try tableRenderer.render(.html)
        if let comparison { htmlContext["comparisonHTML"] = try comparison.render(.html) }
        htmlContext["figures"] = figures.map { ["id": $0.id, "title": $0.title, "caption": $0.caption, "svg": $0.svg] }
        let html = try templates.render("report.html", htmlContext)

        var mdContext = common
        mdContext["title"] = TextFormat.markdownCell(results.name)
        if let d = results.description { mdContext["description"] = TextFormat.markdownCell(d) }
        mdContext["tableMarkdown"] = try tableRenderer.render(.md)
        if let comparison { mdContext["comparisonMarkdown"] = try comparison.render(.md) }
        mdContext["figures"] = figures.map { f -> [String: Any] in
            ["id": f.id, "title": f.title, "caption": TextFormat.markdownCell(f.caption), "path": "\(figureDirectory)/\(f.id).svg"]
        }
        mdContext["provenance"] = provenanceSummary.view(text: TextFormat.markdownCell)
        mdContext["unfinished"] = unfinished.map { $0.mapValues { v in (v as? String).map(TextFormat.markdownCell) ?? v } }
        if let s = results.specText {
            mdContext["specText"] = s.hasSuffix("\n") ? String(s.dropLast()) : s
            mdContext["specFence"] = fence(for: s)
        }
        let markdown = try templates.render("report.md", mdContext)
        return Report(html: html, markdown: markdown, figures: figures, figureDirectory: figureDirectory)
    }

    /// A Markdown code fence longer than any run of backticks in `text`.
    static func fence(for text: String) -> String {
        var longest = 0, run = 0
        for c in text { run = c == "`" ? run + 1 : 0; longest = max(longest, run) }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// Writes `FILE.html`, `FILE.md` and the figures into `FILE-figures/` next to them; returns the paths written.
    @discardableResult
    public static func write(_ results: ExperimentResults, htmlPath: String, templates: TemplateSet) throws -> [String] {
        let htmlURL = URL(fileURLWithPath: htmlPath)
        let folder = htmlURL.deletingLastPathComponent()
        let stem = htmlURL.deletingPathExtension().lastPathComponent
        let figureDirectory = "\(stem)-figures"
        let report = try build(results, templates: templates, figureDirectory: figureDirectory)
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: folder.appendingPathComponent(figureDirectory), withIntermediateDirectories: true)
            var written: [String] = []
            try Data(report.html.utf8).write(to: htmlURL, options: .atomic)
            written.append(htmlURL.path)
            let mdURL = folder.appendingPathComponent("\(stem).md")
            try Data(report.markdown.utf8).write(to: mdURL, options: .atomic)
            written.append(mdURL.path)
            for f in report.figures {
                let url = folder.appendingPathComponent(figureDirectory).appendingPathComponent("\(f.id).svg")
                try Data(f.svg.utf8).write(to: url, options: .atomic)
                written.append(url.path)
            }
            return written
        } catch {
            throw ReportError.io(path: folder.path, message: "cannot write the report: \(error.localizedDescription)")
        }
    }
}
