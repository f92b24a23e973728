import DPOPTrainer
import Foundation

/// Runs pending cells as child processes (`dpop run SPEC --cell ID`), at most `jobs` at a time,
/// each logging to `logs/<id>.log`; shows grid progress and the running cells' latest lines.
public final class LocalScheduler {
    public struct Options: Sendable {
        public var jobs = 1
        public var retryFailed = false
        /// Run finished cells again too (earlier results are kept under attempts/).
        public var force = false
        public var failFast = false
        /// Threads each child uses (BLAS and kernels); default: cores / jobs.
        public var threadsPerJob: Int?
        public init() {}
    }

    /// Counts at the end of a grid run.
    public struct Summary: Sendable {
        public var completed = 0, failed = 0, interrupted = 0, skipped = 0
        public var failedCells: [String] = []
    }

    let executable: String
    let specPath: String
    let resultsRoot: URL
    let store: ResultsStore
    let options: Options
    /// The spec's command-line overrides, passed on to every child.
    public var overrides: [String] = []
    /// The spec the children run and its SHA-256, for the failed record the scheduler writes for a child
    /// killed by a signal before it could write its own (nil: such a cell is only reported).
    public var spec: (spec: ExperimentSpec, sha256: String)?
    /// Progress output: (text, isStatusLine). Status lines may be redrawn in place.
    public var output: (String, Bool) -> Void = { text, _ in print(text) }

    public init(executable: String, specPath: String, resultsRoot: URL, store: ResultsStore, options: Options) {
        self.executable = executable
        self.specPath = specPath
        self.resultsRoot = resultsRoot
        self.store = store
        self.options = options
    }

    private struct Child {
        let cell: GridCell
        let process: Process
        let started: Date
        /// The log the child writes to (kept open until it exits).
        let log: FileWrite.Appender
        /// The cell's attempt count before this child: a record with a higher one is the child's own.
        let attemptsBefore: Int
        let threads: Int
    }

    /// Runs every cell that needs running and returns the counts.
    public func run(_ cells: [GridCell]) throws -> Summary {
        var summary = Summary()
        var queue: [GridCell] = []
        var notes: [String] = []
        for cell in cells {
            let status = store.status(cell.id)
            if ResultsStore.skips(status, record: store.record(cell.id), retryFailed: options.retryFailed, force: options.force) {
                summary.skipped += 1
                if status == .running, let note = store.unverifiableLockNote(cell.id, specPath: specPath) { notes.append(note) }
            } else {
                queue.append(cell)
            }
        }
        let total = queue.count
        let initiallySkipped = summary.skipped
        output("\(cells.count) cells: \(total) to run, \(summary.skipped) skipped (completed, running or failed)", false)
        for note in notes { output("skipped: \(note)", false) }
        let jobs = max(1, options.jobs)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threads = options.threadsPerJob ?? max(1, cores / jobs)
        var running: [Child] = []
        var durations: [Double] = []
        var stop = false
        let start = Date()
        var forwarded = false
        while !queue.isEmpty || !running.isEmpty {
            // SIGINT/SIGTERM/SIGHUP: launch nothing more, pass SIGTERM on so running cells record themselves
            // as interrupted, and wait for them.
            if Interruption.requested != nil && !forwarded {
                forwarded = true
                stop = true
                queue.removeAll()
                for child in running { child.process.terminate() }
            }
            while !stop && running.count < jobs && !queue.isEmpty {
                let cell = queue.removeFirst()
                do {
                    running.append(try launch(cell, threads: threads))
                } catch {
                    let error = FileWrite.diskFullOrSelf(error)
                    summary.failed += 1
                    summary.failedCells.append(cell.id)
                    output("FAILED  \(cell.id)  \(Self.label(cell))  not started: \(error)", false)
                    if case DPOPError.diskFull = error {
                        // Every other cell would fail the same way: they stay pending for the next run.
                        output("results disk full: \(queue.count) more cells not started; they stay pending", false)
                        stop = true
                        queue.removeAll()
                    } else if options.failFast {
                        stop = true
                        queue.removeAll()
                    }
                }
            }
            usleep(300_000)
            var still: [Child] = []
            for child in running {
                if child.process.isRunning { still.append(child); continue }
                let seconds = Date().timeIntervalSince(child.started)
                durations.append(seconds)
                let label = Self.label(child.cell)
                try? child.log.close()
                if child.process.terminationStatus == CellInvocation.schedulerSkippedExitCode
                    && child.process.terminationReason == .exit {
                    // Another runner claimed it after this one queued it.
                    summary.skipped += 1
                    output("skipped  \(child.cell.id)  \(label)  (\(skipNote(child.cell.id)))", false)
                } else if store.status(child.cell.id) == .interrupted {
                    summary.interrupted += 1
                    output("INTERRUPTED \(child.cell.id)  \(label)  (runs again on the next dpop run)", false)
                } else if child.process.terminationStatus == 0 && store.status(child.cell.id) == .completed {
                    summary.completed += 1
                    let final = store.record(child.cell.id)?.final.map { String(format: "Δw %+.3f  acc %.3f", $0.eval.logpsChosenDelta, $0.eval.rewardsAccuracies) } ?? ""
                    output(String(format: "completed  %@  %@  (%.0fs)  %@", child.cell.id, label, seconds, final), false)
                } else {
                    summary.failed += 1
                    summary.failedCells.append(child.cell.id)
                    if let recorded = recordKilled(child) {
                        output("FAILED  \(child.cell.id)  \(label)  \(recorded); log: \(store.logFile(child.cell.id).path)", false)
                    } else {
                        let reason = (store.record(child.cell.id).flatMap { $0.status == .failed ? $0.error : nil }
                                      ?? lastError(in: store.logFile(child.cell.id)))
                            .map { ": " + ($0.split(separator: "\n").first.map(String.init) ?? $0) } ?? ""
                        output("FAILED  \(child.cell.id)  \(label)  \(Self.ending(child.process))\(reason); log: \(store.logFile(child.cell.id).path)", false)
                    }
                    if options.failFast {
                        stop = true
                        queue.removeAll()
                        for other in still { other.process.terminate() }
                    }
                }
            }
            running = still
            let finished = summary.completed + summary.failed + summary.skipped - initiallySkipped
            let mean = durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count)
            let eta = mean.map { $0 * Double(total - finished) / Double(jobs) }
            var status = "[\(finished)/\(total)] \(summary.completed) completed, \(summary.failed) failed, \(running.count) running"
            status += eta.map { String(format: ", eta %@", Self.duration($0)) } ?? ""
            status += String(format: ", %@ elapsed", Self.duration(Date().timeIntervalSince(start)))
            for child in running {
                status += "\n  \(child.cell.id) \(Self.label(child.cell)): \(lastLine(of: store.logFile(child.cell.id)))"
            }
            output(status, true)
        }
        return summary
    }

    private func launch(_ cell: GridCell, threads: Int) throws -> Child {
        // O_APPEND: a re-run (resume, --retry-failed, --force) keeps the earlier attempts' output above
        // its own, and a second runner's child writing the same log never overwrites this one's lines.
        let log = try FileWrite.Appender(store.logFile(cell.id))
        try log.write(Data("==== \(ISO8601DateFormatter().string(from: Date())) dpop run --cell \(cell.id)\n".utf8))
        let handle = FileHandle(fileDescriptor: log.descriptor, closeOnDealloc: false)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = CellInvocation(specPath: specPath, overrides: overrides, cellID: cell.id, resultsRoot: resultsRoot.path, threads: threads,
                                     retryFailed: options.retryFailed, force: options.force,
                                     skippedExitCode: CellInvocation.schedulerSkippedExitCode, parentPID: getpid()).arguments
        p.standardOutput = handle
        p.standardError = handle
        let attemptsBefore = store.attempts(cell.id)
        try p.run()
        return Child(cell: cell, process: p, started: Date(), log: log, attemptsBefore: attemptsBefore, threads: threads)
    }

    /// For a child killed by a signal (a crash, the OOM killer, `kill -9`) that left no record of its
    /// attempt: writes the cell's failed `run.json` naming the signal and the child's last output, and
    /// removes the child's work folder and stale lock; returns the record's error. Nil when there is
    /// nothing to record: the child ended otherwise, published its own record before it died, the grid is
    /// being interrupted, or another runner holds the cell now (the lock is taken first, so this never
    /// races a runner that claimed it).
    private func recordKilled(_ child: Child) -> String? {
        // While the grid is stopping (SIGINT/SIGTERM/SIGHUP forwarded), a child that died of it stays pending and runs again.
        guard child.process.terminationReason == .uncaughtSignal, Interruption.requested == nil, let context = self.spec else { return nil }
        let spec = context.spec, specSHA256 = context.sha256
        let id = child.cell.id
        let lock = store.lockFile(id)
        guard (try? CellLock.acquire(lock)) == true else { return nil }
        defer { CellLock.release(lock) }
        store.removeStaleWorkFolders(id)
        guard store.attempts(id) <= child.attemptsBefore, store.unreadableRecord(id) == nil else { return nil }
        let iso = ISO8601DateFormatter()
        let lastOutput = lastLine(of: store.logFile(id))
        var error = Self.ending(child.process) + " while running the cell"
        if !lastOutput.isEmpty && !lastOutput.hasPrefix("==== ") { error += "; its last output: \(lastOutput)" }
        let relativeResults = RelativePath.inside(resultsRoot, repositoryOf: spec.file)
        let (provenance, _) = GitRepository.provenance(at: URL(fileURLWithPath: spec.file).deletingLastPathComponent().path,
                                                       excluding: relativeResults.map { [$0] } ?? [], includeDiff: false)
        var record = RunRecord(id: id, experiment: spec.name, status: .failed,
                               values: Dictionary(child.cell.values.map { ($0.axis, $0.value) }, uniquingKeysWith: { a, _ in a }),
                               axes: spec.axisValues, config: child.cell.config, provenance: provenance, specSHA256: specSHA256,
                               referenceSHA256: nil, referenceCacheKey: nil, started: iso.string(from: child.started),
                               finished: iso.string(from: Date()), seconds: Date().timeIntervalSince(child.started),
                               attempt: child.attemptsBefore + 1, host: ProcessInfo.processInfo.hostName, slurmJob: nil,
                               final: nil, error: error)
        record.threads = child.threads
        record.overrides = spec.overrides.isEmpty ? nil : spec.overrides
        do {
            let work = try store.makeWorkDirectory(id)
            do {
                try store.write(record, into: work)
                try store.publish(workDirectory: work, id: id)
            } catch {
                try? FileManager.default.removeItem(at: work)
                throw error
            }
        } catch {
            // No room for the record (a full disk): the cell stays pending, as a killed cell used to.
            return nil
        }
        if let log = try? FileWrite.Appender(store.logFile(id)) {
            try? log.write(Data("dpop: \(error); recorded as failed (`dpop run --retry-failed` runs it again)\n".utf8))
            try? log.close()
        }
        return error
    }

    /// Why a child skipped its cell, from the store now: who runs it, or what it already is.
    private func skipNote(_ id: String) -> String {
        switch store.status(id) {
        case .running: "running in another process" + (CellLock.read(store.lockFile(id)).map { ": \($0.owner)" } ?? "")
        case .completed: "completed by another runner"
        case .failed: "failed in another runner"
        case .interrupted, .pending: "claimed by another runner"
        }
    }

    /// How a child ended: `exit 1`, or `killed by signal 6 (Aborted)` (a crash or a kill, not an exit code).
    static func ending(_ process: Process) -> String {
        let code = process.terminationStatus
        guard process.terminationReason == .uncaughtSignal else { return "exit \(code)" }
        let name = strsignal(code).map { String(cString: $0) } ?? "unknown signal"
        return "killed by signal \(code) (\(name))"
    }

    /// `axis=value …` of a cell's varying values.
    public static func label(_ cell: GridCell) -> String {
        cell.values.map { "\($0.axis)=\($0.value)" }.joined(separator: " ")
    }

    static func duration(_ s: Double) -> String {
        s < 90 ? String(format: "%.0fs", s) : s < 5400 ? String(format: "%.1fm", s / 60) : String(format: "%.1fh", s / 3600)
    }

    /// The last "Error: …" line the child wrote (when it could not even record its failure), without the prefix.
    private func lastError(in url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").last { $0.hasPrefix("Error: ") }.map { String($0.dropFirst("Error: ".count)) }
    }

    private func lastLine(of url: URL) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 400 ? size - 400 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last.map(String.init) ?? ""
        return String(line.suffix(110))
    }
}
