import ArgumentParser
import DPOPReports
import Foundation

/// `dpop report`: a self-contained HTML report and a Markdown version of a results folder.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report (inline CSS and SVG plots, no scripts or network) and a Markdown version.",
        discussion: """
        Contents: the spec's description, the results table, the DPO-vs-DPOP paired comparison (when both \
        losses ran), plots of Δw and Δl over training per bucket, final Δw against λ and β, reward accuracy \
        against Δw, failed and running cells, provenance (commits, dirty runs and their changed files) and \
        the spec. Writes FILE.html, FILE.md and FILE-figures/*.svg (referenced by the Markdown).
        """
    )

    @Argument(help: "Results folder RESULTS/<experiment>.") var results: String
    @Option(help: "HTML file to write (default RESULTS/<experiment>/report.html); the .md goes next to it.") var out: String?
    @Option(help: "Folder of Mustache templates overriding the built-in ones (report.html.mustache, report.md.mustache, table.*, compare.*).")
    var templates: String?

    func run() throws {
        let loaded = try ResultsReading.load(results)
        let path = out ?? URL(fileURLWithPath: results).appendingPathComponent("report.html").path
        let written = try Report.write(loaded, htmlPath: path, templates: try TemplateSet.load(overridesIn: templates))
        for file in written { print("wrote \(file)") }
    }
}
