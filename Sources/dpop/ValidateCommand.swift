import ArgumentParser
import DPOPExperiments
import Foundation

/// `dpop validate SPEC`: check a spec and count its cells without running anything.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an experiment spec: every problem with file:line:col, or the number of cells and the axes.",
        discussion: "Beyond the spec's own rules it loads the data (generates the arith pairs, reads a data.path file) and splits it as each cell would: a split with no eval pairs, or a bucket with no pairs, is an error here rather than in every run."
    )

    @Argument(help: "Experiment spec (YAML).") var spec: String
    @Argument(help: "Overrides in Hydra's grammar: key=value, key=a,b (an axis), seed=range(0,5), ~grid.axis.") var overrides: [String] = []

    func run() throws {
        do {
            print(try SpecLoader.load(path: spec, overrides: SpecOverride.parse(overrides), checkData: true).summary)
        } catch let error as SpecError {
            try? FileHandle.standardError.write(contentsOf: Data((error.description + "\n").utf8))
            throw ExitCode(1)
        }
    }
}
