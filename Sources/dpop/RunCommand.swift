import ArgumentParser
import DPOPExperiments
import DPOPTrainer
import Foundation

/// `dpop run`: run every pending cell of a spec's grid, or exactly one with --cell.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: CellInvocation.subcommand,
        abstract: "Run a spec's grid: skip finished cells, run the rest (N at a time), never lose a result.",
        discussion: """
        Results go to RESULTS/<name>/runs/<cell-id>/ (run.json with config, status, provenance, timings and
        final metrics; metrics.jsonl; diff.patch when the tree was dirty). Finished cells are skipped; failed
        cells run again only with --retry-failed (those that failed on a full results disk run again by
        themselves). The exit code is non-zero if any cell failed; cells another runner holds are skipped.

        With --launcher slurm the pending cells are submitted as one Slurm job array instead (one task per \
        cell, each running `dpop run SPEC --cell ID`); the script and its manifest are kept in \
        RESULTS/<name>/slurm/<timestamp>/, the tasks' logs in RESULTS/<name>/logs/slurm-<job>_<task>.log. \
        `dpop status RESULTS/<name>` shows the cells' states. Re-running submits only what is still pending.
        """
    )

    @Argument(help: "Experiment spec (YAML).") var spec: String
    @Argument(help: "Overrides in Hydra's grammar: key=value, key=a,b (an axis), seed=range(0,5), ~grid.axis.") var overrides: [String] = []
    @Option(name: .customLong(CellInvocation.Option.results), help: "Results root; the experiment's folder is RESULTS/<name>.")
    var results: String = "results"
    @Option(help: "Cells to run at once (the cores are divided among them).") var jobs: Int = 1
    @Option(parsing: .upToNextOption, help: "Run only cells with axis=value (repeatable, axis=a,b for several).")
    var only: [String] = []
    @Flag(name: .customLong(CellInvocation.Option.retryFailed), help: "Run failed cells again.") var retryFailed = false
    @Flag(name: .customLong(CellInvocation.Option.force),
          help: "Run finished cells again too; the earlier result moves to attempts/<id>/<n>/, never deleted.")
    var force = false
    @Flag(help: "Stop at the first failed cell.") var failFast = false
    @Flag(help: "Refuse to run when the git tree has uncommitted changes.") var requireClean = false
    @Option(name: .customLong(CellInvocation.Option.cell), help: "Run exactly this cell in this process (what --jobs and Slurm tasks call).")
    var cell: String?
    @Option(name: .customLong(CellInvocation.Option.skippedExitCode),
            help: "With --cell: exit with this code, not 0, when the cell is skipped (completed, failed, or running elsewhere).")
    var skippedExitCode: Int32?
    @Option(name: .customLong(CellInvocation.Option.parentPID),
            help: "With --cell: stop as interrupted when process PID (the runner that started this one) exits.")
    var parentPID: Int32?
    @Option(help: "Remove the lock of cell ID first, if its owner is gone (a lock from another host without a Slurm job counts as gone); refused while the owner runs.")
    var breakLock: [String] = []
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var slurm: SlurmOptions

    func validate() throws {
        if skippedExitCode != nil && cell == nil { throw ValidationError("--skipped-exit-code goes with --cell") }
        if parentPID != nil && cell == nil { throw ValidationError("--parent-pid goes with --cell") }
        guard slurm.launcher == .slurm else { return }
        if cell != nil { throw ValidationError("--cell runs one cell in this process; drop --launcher slurm") }
        if jobs != 1 { throw ValidationError("--jobs is for local runs; with --launcher slurm use --max-parallel") }
        if failFast { throw ValidationError("--fail-fast is for local runs; with --launcher slurm, cancel the job with scancel") }
    }

    /// The one cell this process was asked to run (`--cell`), as the scheduler that started it described it.
    var cellInvocation: CellInvocation? {
        cell.map {
            CellInvocation(specPath: spec, overrides: overrides, cellID: $0, resultsRoot: results, threads: threads.threads,
                           retryFailed: retryFailed, force: force, skippedExitCode: skippedExitCode, parentPID: parentPID)
        }
    }

    func run() throws {
        threads.apply()
        let experiment = try ExperimentSession.open(specPath: spec, resultsRoot: results,
                                                    overrides: SpecOverride.parse(overrides))
        if requireClean { try experiment.requireCleanTree() }
        for id in breakLock { print(try experiment.breakLock(id: id)) }
        if cell == nil {
            for warning in experiment.plan().warnings { try? FileHandle.standardError.write(contentsOf: Data("warning: \(warning)\n".utf8)) }
        }
        if slurm.launcher == .slurm {
            let outcome = try experiment.launchOnSlurm(only: only, options: slurm.launcherOptions(retryFailed: retryFailed))
            print(outcome.message(folder: experiment.store.root.path))
            return
        }
        if let invocation = cellInvocation {
            Interruption.install()
            if let parent = invocation.parentPID { Interruption.stopWhenParentExits(parent) }
            let outcome = try experiment.runCell(id: invocation.cellID, retryFailed: invocation.retryFailed,
                                                 force: invocation.force) { line in
                print(line)
                fflush(nil)
            }
            if case .failed = outcome { throw ExitCode(1) }
            if case .interrupted = outcome { throw ExitCode(130) }
            if case .skipped = outcome, let code = invocation.skippedExitCode { throw ExitCode(code) }
            return
        }
        var line = ProgressLine()
        var options = LocalScheduler.Options()
        options.jobs = jobs
        options.retryFailed = retryFailed
        options.force = force
        options.failFast = failFast
        Interruption.install { _ in print("\nstopping: the running cells record themselves as interrupted (again to quit at once)") }
        options.threadsPerJob = threads.threads
        let summary = try experiment.runGrid(only: only, options: options) { text, isStatus in
            line.update(text, final: !isStatus)
        }
        line.finish()
        print("\(summary.completed) completed, \(summary.failed) failed, \(summary.interrupted) interrupted, \(summary.skipped) skipped; results in \(experiment.store.root.path)")
        if summary.interrupted > 0 { throw ExitCode(130) }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
