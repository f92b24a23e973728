import ArgumentParser
import DPOPReports
import Foundation

/// `dpop predictors`: which pair statistic predicts the fall of log π(y_w), from the cells' `pairs.jsonl`.
struct PredictorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictors",
        abstract: "Rank correlation of each pair statistic (edit distance, CHES, …) with Δw, per cell group, with bootstrap CIs.",
        discussion: """
        Reads runs/<id>/pairs.jsonl of every completed cell (written when train.pair_records: true). For each \
        group of cells that differ only by seed and each statistic (edit_distance, normalised_edit_distance, ches, \
        ches_normalised): Spearman's ρ between the statistic and the pairs' Δw (log π(y_w) − log π_ref(y_w) at the \
        end), averaged over seeds; a percentile bootstrap CI that resamples pairs within each seed; and the paired \
        difference |ρ| − |ρ(edit_distance)| on the same resamples, with its CI. Ties get average ranks; a \
        statistic constant within a cell counts as ρ = 0.
        """
    )

    @Argument(help: "Results folder RESULTS/<experiment>.") var results: String
    @Option(help: "Which pairs: eval (held out) or train.") var split: String = "eval"
    @Option(help: "What to predict: delta_w or delta_l.") var target: String = "delta_w"
    @Option(help: "Bootstrap resamples.") var resamples: Int = 1000
    @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 0
    @Option(help: "Output format: md, csv or json.") var format: String = "md"

    func validate() throws {
        guard resamples >= 0 else { throw ValidationError("--resamples must be ≥ 0, got \(resamples)") }
    }

    func run() throws {
        let format = try OutputFormat(parsing: format)
        var options = PredictorAnalysis.Options()
        options.split = split
        options.target = target
        options.resamples = resamples
        options.seed = seed
        let analysis = try PredictorAnalysis.build(try ResultsReading.load(results), options: options)
        print(try PredictorTableRenderer.render(analysis, format: format), terminator: "")
    }
}
