import ArgumentParser
import DPOPExperiments
import Foundation

/// `dpop plan`: every cell of a spec's grid with its values and its state in the results folder.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "List every cell of a spec's grid (id, varying values, completed/failed/interrupted/running/pending) and the totals."
    )

    @Argument(help: "Experiment spec (YAML).") var spec: String
    @Argument(help: "Overrides in Hydra's grammar: key=value, key=a,b (an axis), seed=range(0,5), ~grid.axis.") var overrides: [String] = []
    @Option(help: "Results root.") var results: String = "results"

    func run() throws {
        let experiment = try ExperimentSession.open(specPath: spec, resultsRoot: results, prepare: false,
                                                    overrides: SpecOverride.parse(overrides))
        print(experiment.plan().render())
    }
}
