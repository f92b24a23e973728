import Foundation

extension ExperimentSession {
    /// Submits the pending cells (filtered by `only`) to Slurm as one job array, or with
    /// `options.dryRun` writes the script only; see `SlurmLauncher`.
    public func launchOnSlurm(only: [String], options: SlurmLauncher.Options,
                              submit: ((URL) throws -> String)? = nil) throws -> SlurmLauncher.Outcome {
        let filter = try CellFilter(only, axes: spec.axes)
        var launcher = SlurmLauncher(store: store, executable: Self.executablePath, specPath: specPath,
                                     specSHA256: specSHA256, resultsRoot: resultsRoot)
        launcher.overrides = spec.overrides
        if let submit { launcher.submit = submit }
        return try launcher.launch(spec.cells().filter(filter.matches), options: options)
    }
}
