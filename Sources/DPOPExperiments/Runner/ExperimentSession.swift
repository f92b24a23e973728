import DPOPTrainer
import Foundation

/// One spec opened against a results root: what the `run`, `plan` and `status` commands work on.
public struct ExperimentSession: Sendable {
    public let spec: ExperimentSpec
    public let specPath: String
    public let resultsRoot: URL
    public let store: ResultsStore
    public let cache: ReferenceCache
    /// SHA-256 of the spec text.
    public let specSHA256: String

    /// Loads and validates the spec; with `prepare`, creates the results folder and records the spec.
    public static func open(specPath: String, resultsRoot: String, prepare: Bool = true,
                            overrides: [SpecOverride] = []) throws -> ExperimentSession {
        let spec = try SpecLoader.load(path: specPath, overrides: overrides)
        let root = URL(fileURLWithPath: resultsRoot).standardizedFileURL
        let store = ResultsStore(resultsRoot: root, experiment: spec.name)
        let sha = prepare ? try store.prepare(specText: spec.text) : ContentHash.sha256(spec.text)
        return ExperimentSession(spec: spec, specPath: specPath, resultsRoot: root, store: store,
                                 cache: ReferenceCache(resultsRoot: root), specSHA256: sha)
    }

    /// Throws when the code's git tree has uncommitted changes (outside the results folder).
    public func requireCleanTree() throws {
        let excluded = RelativePath.inside(resultsRoot, repositoryOf: spec.file).map { [$0] } ?? []
        let (p, _) = GitRepository.provenance(at: URL(fileURLWithPath: spec.file).deletingLastPathComponent().path, excluding: excluded)
        if p.dirty {
            throw DPOPError.usage("--require-clean: the git tree has uncommitted changes: \(p.changedFiles.prefix(10).joined(separator: ", "))\nhint: commit them, or run without --require-clean (the diff is then saved with each run)")
        }
    }

    /// Removes the lock of cell `id` when its owner is gone (`dpop run --break-lock`); a lock from
    /// another host without a Slurm job counts as gone, on the user's word. Throws, saying whose lock
    /// it is, when the owner still runs (on this host, or as a queued or running Slurm task).
    public func breakLock(id: String, slurm: SlurmQueue = .system) throws -> String {
        guard spec.cells().contains(where: { $0.id == id }) else {
            throw DPOPError.usage("--break-lock: no cell '\(id)' in \(specPath); `dpop plan \(specPath)` lists them")
        }
        let url = store.lockFile(id)
        switch try CellLock.breakStale(url, slurm: slurm) {
        case .absent:
            return "cell \(id) has no lock"
        case .removed(let owner):
            return "removed the lock of cell \(id)" + (owner.map { ", held by \($0.owner)" } ?? "")
        case .live(let owner):
            let whose = owner.map { "it is held by \($0.owner), which is still running" } ?? "a running process holds it"
            throw DPOPError.usage("--break-lock: the lock of cell \(id) is live: \(whose)\nhint: stop that process (or scancel its Slurm job) first")
        }
    }

    /// The plan of every cell.
    public func plan() -> GridPlan {
        GridPlan(cells: spec.cells(), axes: spec.axes, store: store)
    }

    /// Runs one cell in this process.
    public func runCell(id: String, retryFailed: Bool, force: Bool = false, stopRequested: @escaping () -> Int32? = { Interruption.requested },
                        log: @escaping (String) -> Void) throws -> CellRunner.Outcome {
        guard let cell = spec.cells().first(where: { $0.id == id }) else {
            throw DPOPError.usage("no cell '\(id)' in \(specPath); `dpop plan \(specPath)` lists them")
        }
        var runner = CellRunner(spec: spec, store: store, cache: cache)
        runner.log = log
        runner.stopRequested = stopRequested
        var lastPrint = Date.distantPast
        runner.onStep = { r in
            if Date().timeIntervalSince(lastPrint) > 2 {
                lastPrint = Date()
                log(String(format: "step %d/%d  loss %.4f  Δw %+.3f", r.step, cell.config.train.steps, r.loss, r.chosenDelta))
            }
        }
        log("cell \(id): \(LocalScheduler.label(cell))")
        let outcome = try runner.run(cell, specSHA256: specSHA256, retryFailed: retryFailed, force: force)
        if case .skipped(let status) = outcome {
            log("cell \(id) skipped: \(status.rawValue)")
            if status == .running, let note = store.unverifiableLockNote(id, specPath: specPath) { log(note) }
        }
        return outcome
    }

    /// Runs the pending cells (filtered by `only`) as child processes.
    public func runGrid(only: [String], options: LocalScheduler.Options,
                        output: @escaping (String, Bool) -> Void) throws -> LocalScheduler.Summary {
        let filter = try CellFilter(only, axes: spec.axes)
        let cells = spec.cells().filter(filter.matches)
        let scheduler = LocalScheduler(executable: Self.executablePath, specPath: specPath, resultsRoot: resultsRoot,
                                       store: store, options: options)
        scheduler.output = output
        scheduler.overrides = spec.overrides
        scheduler.spec = (spec, specSHA256)
        return try scheduler.run(cells)
    }

    /// This program's own executable, for child processes.
    public static var executablePath: String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return CommandLine.arguments[0]
    }
}
