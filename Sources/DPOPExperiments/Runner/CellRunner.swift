import DPOPTrainer
import Foundation

/// Runs one grid cell in this process: claims it, loads its data, obtains the reference from the
/// cache, trains, and publishes `runs/<id>/` (run.json, metrics.jsonl, diff.patch) in one rename.
public struct CellRunner {
    public let spec: ExperimentSpec
    public let store: ResultsStore
    public let cache: ReferenceCache
    /// Progress lines (stage changes, eval lines).
    public var log: (String) -> Void = { _ in }
    /// Per-step progress.
    public var onStep: (PreferenceStepReport) -> Void = { _ in }
    /// Asked before every training step; a signal number stops the cell as interrupted.
    public var stopRequested: () -> Int32? = { Interruption.requested }

    public init(spec: ExperimentSpec, store: ResultsStore, cache: ReferenceCache) {
        self.spec = spec
        self.store = store
        self.cache = cache
    }

    /// What happened to a cell.
    public enum Outcome: Equatable, Sendable { case completed, failed(String), interrupted, skipped(CellStatus) }

    /// Runs `cell` unless `ResultsStore.skips` says to leave it (completed, running elsewhere, failed).
    /// Whatever fails, no half-written work folder stays behind; a cell that fails on a full disk is
    /// recorded as such when there is room for its record, else it has none and stays pending.
    public func run(_ cell: GridCell, specSHA256: String, retryFailed: Bool, force: Bool = false) throws -> Outcome {
        let current = store.status(cell.id)
        if ResultsStore.skips(current, record: store.record(cell.id), retryFailed: retryFailed, force: force) {
            return .skipped(current)
        }
        let lock = store.lockFile(cell.id)
        guard try CellLock.acquire(lock) else { return .skipped(.running) }
        defer { CellLock.release(lock) }
        // Re-check under the lock: another process may have finished it meanwhile.
        if let r = store.record(cell.id), ResultsStore.skips(r.status, record: r, retryFailed: retryFailed, force: force) {
            return .skipped(r.status)
        }
        store.removeStaleWorkFolders(cell.id)
        let work = try store.makeWorkDirectory(cell.id)
        let (record, outcome): (RunRecord, Outcome)
        do {
            (record, outcome) = try attempt(cell, specSHA256: specSHA256, in: work, slurmJob: CellLock.read(lock)?.slurmJob)
            try store.write(record, into: work)
        } catch {
            try? FileManager.default.removeItem(at: work)
            throw FileWrite.diskFullOrSelf(error)
        }
        try store.publish(workDirectory: work, id: cell.id)
        return outcome
    }

    /// Trains `cell` in `work` and says how it went: the record to publish and the outcome.
    private func attempt(_ cell: GridCell, specSHA256: String, in work: URL, slurmJob: String?) throws -> (RunRecord, Outcome) {
        let attempt = store.attempts(cell.id) + 1
        let started = Date()
        let iso = ISO8601DateFormatter()
        let relativeResults = RelativePath.inside(store.root.deletingLastPathComponent(), repositoryOf: spec.file)
        let (provenance, diff) = GitRepository.provenance(at: URL(fileURLWithPath: spec.file).deletingLastPathComponent().path,
                                                          excluding: relativeResults.map { [$0] } ?? [])
        if let cut = provenance.diffNote { log("provenance: \(cut); run.json's provenance.diffNote says so too") }
        var values: [String: String] = [:]
        for v in cell.values { values[v.axis] = v.value }
        var record = RunRecord(id: cell.id, experiment: spec.name, status: .failed, values: values, axes: spec.axisValues, config: cell.config,
                               provenance: provenance, specSHA256: specSHA256, referenceSHA256: nil, referenceCacheKey: nil,
                               started: iso.string(from: started), finished: "", seconds: 0, attempt: attempt,
                               host: ProcessInfo.processInfo.hostName,
                               slurmJob: slurmJob, final: nil, error: nil)
        var outcome = Outcome.completed
        do {
            if let diff { try FileWrite.data(Data(diff.utf8), to: work.appendingPathComponent("diff.patch")) }
            let final = try train(cell, into: work, record: &record)
            record.status = .completed
            record.final = final
        } catch DPOPError.interrupted(let stage, let step, let signal) {
            record.status = .interrupted
            record.error = "interrupted by signal \(signal) at \(stage) step \(step)"
            record.stoppedAtStep = step
            outcome = .interrupted
            log("cell \(cell.id) interrupted at \(stage) step \(step); the next `dpop run` runs it again")
        } catch {
            let error = FileWrite.diskFullOrSelf(error)
            record.status = .failed
            record.error = "\(error)"
            if case DPOPError.nonFinite(_, let step, _, _) = error { record.stoppedAtStep = step }
            outcome = .failed("\(error)")
            if case DPOPError.diskFull = error {
                record.transientFailure = true
                log("cell \(cell.id) failed: \(error)\nthe next `dpop run` runs it again (no --retry-failed needed)")
            } else {
                log("cell \(cell.id) failed: \(error)")
            }
        }
        record.finished = iso.string(from: Date())
        record.peakMemoryMB = PeakMemory.megabytes
        record.threads = Parallel.workers
        record.overrides = spec.overrides.isEmpty ? nil : spec.overrides
        record.seconds = Date().timeIntervalSince(started)
        return (record, outcome)
    }

    private func train(_ cell: GridCell, into work: URL, record: inout RunRecord) throws -> EvalRecord {
        let c = cell.config
        let start = try c.pretrained.map { try PretrainedModel.open(URL(fileURLWithPath: $0.path)) }
        let runConfig = c.runConfig
        let (pairs, dataSHA) = try DatasetLoader.load(c.data, context: c.model.contextLength,
                                                      tokenizer: start?.tokenizer ?? ByteTokenizer())
        let cellRun = PreferenceRun(config: runConfig, pairs: pairs, answerCheck: AnswerCheck.arith, start: start)
        cellRun.log = log
        cellRun.onStep = onStep
        cellRun.stopRequested = stopRequested
        cellRun.onEval = { log(MetricsFormatter.line($0)) }
        if let problems = c.sft.problems {
            cellRun.sftProblems = try DatasetLoader.sftProblems(c.data, count: problems, referenceSeed: c.sft.seed, context: c.model.contextLength)
        }
        let inputs = ReferenceCache.Inputs(cell: c, dataSHA256: dataSHA)
        let loaded = try cache.obtain(inputs, maxBatch: runConfig.referenceBatch, log: log) {
            let reference = try cellRun.trainReference()
            return (reference, ReferenceScores.compute(reference: reference, pairs: pairs, tokenizer: cellRun.tokenizer))
        }
        record.referenceCacheKey = loaded.key
        record.referenceSHA256 = loaded.entry.weightsSHA256
        cellRun.referenceScores = loaded.scores
        let records = try cellRun.run(outDirectory: work, outputs: [], reference: loaded.model)
        return records.last!
    }

}

/// Peak resident set size of this process (getrusage), in MiB.
enum PeakMemory {
    static var megabytes: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024 // kilobytes on Linux
    }
}
