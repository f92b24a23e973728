import ArgumentParser
import DPOPExperiments

/// `dpop status`: the cells of an experiment's results folder, with their Slurm tasks and logs.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every cell in a results folder: completed/failed/interrupted/running/pending, its Slurm job and task, its log.",
        discussion: """
        Cells are those with a run (runs/), a lock (locks/) or a line in a Slurm submission's manifest \
        (slurm/*/cells.txt). A running cell is one held by a live process or by a Slurm task that is still \
        queued or running (asked of squeue); a cell whose task was cancelled or killed is pending again, and \
        the next `dpop run SPEC --launcher slurm` submits it. Pending cells whose task is waiting in the \
        queue are marked queued.
        """
    )

    @Argument(help: "An experiment's results folder, RESULTS/<name> (e.g. results/quickstart).") var folder: String
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let status = try ExperimentStatus.load(folder: folder)
        print(json ? try status.json() : status.render())
    }
}
