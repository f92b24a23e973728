import ArgumentParser
import DPOPReports
import Foundation

/// `dpop table`: an `exp show`-style table of a results folder, seeds aggregated.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Summarise a results folder: one row per configuration, mean ± std over seeds, 95% CIs in CSV/JSON.",
        discussion: """
        Cells differing only by seed are aggregated (mean, sample std, n, 95% Student-t CI). Rows default to \
        every axis that varies; constant axes are listed once above the table. Failed and running cells are \
        shown as such. ⚠ (Markdown/HTML), failure_mode (CSV/JSON) flag DPO's failure mode: mean Δw \
        (logps/chosen_delta) below 0 with its 95% CI below 0. CSV and JSON ignore --cols and carry the raw \
        numbers per group: <metric>_mean, _std, _n, _ci_low, _ci_high.
        """
    )

    @Argument(help: "Results folder RESULTS/<experiment>.") var results: String
    @Option(help: "Row axes, comma-separated (default: every varying axis except seed).") var rows: String?
    @Option(help: "Axes to pivot into columns, comma-separated.") var cols: String?
    @Option(name: .customLong("metric"), help: "Metric to show (repeatable or comma-separated; default: Δw, share Δw<0, reward accuracy, margin, task accuracy).")
    var metrics: [String] = []
    @Option(help: "Which eval record: final, best (by --sort or the first metric), or a step number.") var step: String = "final"
    @Option(help: "Output format: md, csv, json or html.") var format: String = "md"
    @Option(help: "Sort rows by this metric, best first.") var sort: String?
    @Option(help: "Mustache template replacing the built-in table.md / table.html.") var template: String?
    @Option(help: "Use this edit-distance bucket's metrics instead of the whole eval split.") var bucket: String?

    func run() throws {
        let format = try OutputFormat(parsing: format)
        let options = TableOptions(
            rows: rows.map(OptionList.split), cols: cols.map(OptionList.split) ?? [],
            metrics: metrics.flatMap(OptionList.split), step: try StepSelector(parsing: step), sort: sort, bucket: bucket)
        var templates = try TemplateSet.builtIn()
        if let template { try templates.load(file: template, as: try TableRenderer.templateName(for: format)) }
        let table = try ComparisonTable.build(try ResultsReading.load(results), options: options)
        print(try TableRenderer(table: table, templates: templates).render(format), terminator: "")
    }
}
