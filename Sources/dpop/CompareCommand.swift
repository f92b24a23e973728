import ArgumentParser
import DPOPReports
import Foundation

/// `dpop compare`: baseline vs treatment cells paired by seed.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Paired comparison of two sets of cells (default loss=dpo vs loss=dpop), matched on every other axis and by seed.",
        discussion: """
        Per group: the mean paired difference treatment − baseline with its 95% CI (Student t on the \
        differences), wins/pairs (seeds where the treatment is better: higher is better except for loss, \
        logps/chosen_decreased, logps/rejected(_delta), rewards/rejected and train/loss), and DPO's failure \
        mode on either side. Axes only one side has (λ of dpop cells) compare each of their values with the \
        same baseline. Unpaired cells are listed.
        """
    )

    @Argument(help: "Results folder RESULTS/<experiment>.") var results: String
    @Option(help: "Baseline cells: AXIS=VALUE[,AXIS=VALUE…].") var baseline: String = "loss=dpo"
    @Option(help: "Treatment cells: AXIS=VALUE[,AXIS=VALUE…].") var treatment: String = "loss=dpop"
    @Option(name: .customLong("metric"), help: "Metric to compare (repeatable or comma-separated).") var metrics: [String] = []
    @Option(help: "Which eval record: final, best (by the first metric), or a step number.") var step: String = "final"
    @Option(help: "Output format: md, csv, json or html.") var format: String = "md"
    @Option(help: "Use this edit-distance bucket's metrics instead of the whole eval split.") var bucket: String?

    func run() throws {
        let format = try OutputFormat(parsing: format)
        let options = CompareOptions(
            baseline: try CellSelector(parsing: baseline, option: "--baseline"),
            treatment: try CellSelector(parsing: treatment, option: "--treatment"),
            metrics: metrics.flatMap(OptionList.split), step: try StepSelector(parsing: step), bucket: bucket)
        let comparison = try PairedComparison.build(try ResultsReading.load(results), options: options)
        print(try ComparisonRenderer(comparison: comparison, templates: try TemplateSet.builtIn()).render(format), terminator: "")
    }
}
