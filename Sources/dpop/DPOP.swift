import ArgumentParser

/// The `dpop` command: preference-optimisation experiments with a built-in Swift trainer.
@main
struct DPOP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpop",
        abstract: "Run DPO / DPOP preference-optimisation experiments with a built-in GPT trainer.",
        subcommands: [
            RunCommand.self, PlanCommand.self, StatusCommand.self, ValidateCommand.self,
            SFTCommand.self, TrainCommand.self, ScoreCommand.self, LogProbsCommand.self, TokenizeCommand.self,
            BenchCommand.self, DataCommand.self,
            TableCommand.self, CompareCommand.self, PredictorsCommand.self, ReportCommand.self, ExportCommand.self,
        ]
    )
}
