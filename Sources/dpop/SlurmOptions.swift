import ArgumentParser
import DPOPExperiments

/// `dpop run`'s launcher choice and the Slurm options that go with `--launcher slurm`.
struct SlurmOptions: ParsableArguments {
    /// Where the cells run.
    enum Launcher: String, ExpressibleByArgument, CaseIterable {
        case local, slurm
    }

    @Option(help: "Where cells run: local (child processes here) or slurm (one job array, one task per pending cell).")
    var launcher: Launcher = .local
    @Option(help: "Slurm partition (default: the cluster's default).") var partition: String?
    @Option(help: "Slurm time limit per task, e.g. 02:00:00 or 1-00:00:00.") var time: String?
    @Option(help: "CPUs per task; each task trains with that many threads (default 1).") var cpusPerTask: Int?
    @Option(help: "Memory per task, e.g. 4G.") var mem: String?
    @Option(help: "At most K array tasks at once (--array=0-(n-1)%K).") var maxParallel: Int?
    @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Another sbatch option, written as an #SBATCH line (repeatable), e.g. --sbatch-arg=--account=abc.", valueName: "arg"))
    var sbatchArgs: [String] = []
    @Flag(help: "With --launcher slurm: write the sbatch script and its manifest, do not submit.") var dryRun = false

    /// The library's options.
    func launcherOptions(retryFailed: Bool) -> SlurmLauncher.Options {
        var options = SlurmLauncher.Options()
        options.partition = partition
        options.time = time
        options.cpusPerTask = cpusPerTask
        options.mem = mem
        options.maxParallel = maxParallel
        options.extraArguments = sbatchArgs
        options.retryFailed = retryFailed
        options.dryRun = dryRun
        return options
    }

    /// Rejects a Slurm option given without `--launcher slurm`.
    func validate() throws {
        guard launcher == .local else { return }
        let given: [(String, Bool)] = [("--partition", partition != nil), ("--time", time != nil),
                                       ("--cpus-per-task", cpusPerTask != nil), ("--mem", mem != nil),
                                       ("--max-parallel", maxParallel != nil), ("--sbatch-arg", !sbatchArgs.isEmpty),
                                       ("--dry-run", dryRun)]
        if let (name, _) = given.first(where: \.1) {
            throw ValidationError("\(name) needs --launcher slurm")
        }
    }
}
