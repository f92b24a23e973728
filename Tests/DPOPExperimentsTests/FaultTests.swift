import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// A full results disk: cells fail with the size and the path, leave no half-written folder, and
/// run again on the next `dpop run` without --retry-failed; the runner itself never crashes.
@Suite struct DiskFullTests {
    static func lowCell(_ session: ExperimentSession) -> GridCell {
        session.spec.cells().first { $0.config.loss.kind == .dpo && $0.config.bucket == "low" }!
    }

    /// Files and folders under `dir` whose names start with a dot (temp and work folders).
    static func hidden(in dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix(".") }
    }

    @Test func aFullCacheDiskFailsTheCellWithSizeAndPathAndTheNextRunRetriesIt() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = session.cache.directory
        defer { SimulatedDiskFull.clear(cache) }
        let cell = Self.lowCell(session)
        SimulatedDiskFull.fill(cache, after: 1000)   // the reference's weights do not fit
        let outcome = try session.runCell(id: cell.id, retryFailed: false) { _ in }
        guard case .failed(let message) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(message.hasPrefix("results disk full: "), "\(message)")
        #expect(message.contains(" bytes needed at \(cache.path)/"), "\(message)")
        #expect(!message.contains("NSCocoaErrorDomain"))
        let record = try #require(session.store.record(cell.id))
        #expect(record.status == .failed && record.transientFailure == true && record.error == message)
        // Nothing half-written stays in the cache: no temp or staging folder, no entry, no lock.
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []) == [])
        #expect(Self.hidden(in: session.store.runsDirectory) == [])
        // Failed, yet the next run (no --retry-failed) runs it again once there is room.
        #expect(session.store.status(cell.id) == .failed)
        #expect(!ResultsStore.skips(.failed, record: record, retryFailed: false, force: false))
        SimulatedDiskFull.clear(cache)
        #expect(try session.runCell(id: cell.id, retryFailed: false) { _ in } == .completed)
        #expect(session.store.record(cell.id)?.attempt == 2)
        // An ordinary failure still waits for --retry-failed.
        var ordinary = record
        ordinary.transientFailure = nil
        #expect(ResultsStore.skips(.failed, record: ordinary, retryFailed: false, force: false))
    }

    /// The results folder filling up at different points of a cell: each time the cell either is
    /// recorded as failed on a full disk, or (no room even for its record) has no record and stays
    /// pending; no work folder is left behind, and with room again it completes as its first attempt
    /// or as the attempt after its recorded failures.
    @Test func aFullResultsDiskAtAnyPointLeavesNoWorkFolderAndTheCellRunsAgain() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = session.store.runsDirectory
        defer { SimulatedDiskFull.clear(runs) }
        let cell = Self.lowCell(session)
        var recorded = 0, unrecorded = 0
        // Budgets in bytes under runs/: the record of a failure fits only when the write that failed
        // was a large one (summary.json, after the metrics), so one budget lands there; task accuracy at
        // every eval step made metrics.jsonl longer and moved that window (now about 6500–8100).
        for budget in [0, 3000, 6000, 7500, 9000] {
            SimulatedDiskFull.fill(runs, after: budget)
            do {
                let outcome = try session.runCell(id: cell.id, retryFailed: false) { _ in }
                guard case .failed(let message) = outcome else {
                    Issue.record("budget \(budget): expected a failure, got \(outcome)")
                    continue
                }
                recorded += 1
                #expect(message.hasPrefix("results disk full: ") && message.contains("bytes needed at \(runs.path)/.work-"), "\(message)")
                #expect(session.store.record(cell.id)?.transientFailure == true)
            } catch DPOPError.diskFull(let path, let bytes) {
                unrecorded += 1
                #expect(path.hasPrefix(runs.path + "/.work-") && bytes != nil, "\(path)")
                #expect(session.store.status(cell.id) == (recorded > 0 ? .failed : .pending))
            }
            #expect(Self.hidden(in: runs) == [], "budget \(budget)")
            #expect(!FileManager.default.fileExists(atPath: session.store.lockFile(cell.id).path))
        }
        #expect(recorded > 0 && unrecorded > 0, "recorded \(recorded), unrecorded \(unrecorded)")
        SimulatedDiskFull.clear(runs)
        #expect(try session.runCell(id: cell.id, retryFailed: false) { _ in } == .completed)
        #expect(session.store.record(cell.id)?.attempt == recorded + 1)
    }

    /// `dpop run` used to crash (a `try!` inside FileHandle.write) when a log header did not fit.
    @Test func theRunnerReportsAFullLogDiskAndLeavesTheRestPending() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = session.store.logsDirectory
        SimulatedDiskFull.fill(logs, after: 0)
        defer { SimulatedDiskFull.clear(logs) }
        var options = LocalScheduler.Options()
        options.jobs = 2
        let scheduler = LocalScheduler(executable: "/bin/false", specPath: session.specPath, resultsRoot: session.resultsRoot,
                                       store: session.store, options: options)
        var lines: [String] = []
        scheduler.output = { text, isStatus in if !isStatus { lines.append(text) } }
        let cells = session.spec.cells()
        let summary = try scheduler.run(cells)
        #expect(summary.failed == 1 && summary.completed == 0)
        let first = cells[0].id
        #expect(lines.contains { $0.contains("FAILED  \(first)") && $0.contains("not started: results disk full: ")
                && $0.contains("bytes needed at \(session.store.logFile(first).path)") }, "\(lines)")
        #expect(lines.contains("results disk full: 3 more cells not started; they stay pending"), "\(lines)")
        #expect(cells.allSatisfy { session.store.status($0.id) == .pending })
    }
}

/// Two `dpop run`s on one results folder: neither overwrites the other's log lines, and a cell the
/// other runner holds is skipped, not failed.
@Suite struct ConcurrentRunnerTests {
    /// A stand-in for `dpop run SPEC --cell ID`: writes 20 lines slowly, then exits as a child that
    /// found its cell claimed by another runner does (with --skipped-exit-code's value, else 0).
    static let skippingChild = """
    #!/bin/sh
    code=0
    while [ $# -gt 0 ]; do
      if [ "$1" = --skipped-exit-code ]; then code=$2; fi
      shift
    done
    i=0
    while [ $i -lt 20 ]; do
      echo "child $$ line $i"
      i=$((i + 1))
      sleep 0.02
    done
    echo "cell skipped: running"
    exit $code
    """

    @Test func twoRunnersAppendToOneLogAndCountAClaimedCellAsSkipped() async throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let child = dir.appendingPathComponent("child.sh")
        try Self.skippingChild.write(to: child, atomically: true, encoding: .utf8)
        chmod(child.path, 0o755)
        let cell = session.spec.cells()[0]
        func runner() -> LocalScheduler {
            let scheduler = LocalScheduler(executable: child.path, specPath: session.specPath, resultsRoot: session.resultsRoot,
                                           store: session.store, options: LocalScheduler.Options())
            scheduler.output = { _, _ in }
            return scheduler
        }
        let a = runner(), b = runner()
        async let first = Task.detached { try a.run([cell]) }.value
        async let second = Task.detached { try b.run([cell]) }.value
        let summaries = try await [first, second]
        for summary in summaries {
            #expect(summary.failed == 0 && summary.skipped == 1 && summary.completed == 0)
        }
        let log = try String(contentsOf: session.store.logFile(cell.id), encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("==== ") && $0.hasSuffix("dpop run --cell \(cell.id)") }.count == 2, "\(log)")
        #expect(lines.filter { $0.wholeMatch(of: /child \d+ line \d+/) != nil }.count == 40, "\(log)")
        #expect(lines.filter { $0 == "cell skipped: running" }.count == 2, "\(log)")
        #expect(lines.count == 44, "\(log)")
    }
}

/// Damaged or foreign state in a results folder: named, not trusted.
@Suite struct DamagedStoreTests {
    /// A cell folder copied into another cell's place used to count as that cell's result.
    @Test func aRecordInAnotherCellsFolderIsRefusedNamingBoth() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cells = session.spec.cells()
        let done = DiskFullTests.lowCell(session)
        let other = cells.first { $0.id != done.id }!
        #expect(try session.runCell(id: done.id, retryFailed: false) { _ in } == .completed)
        try FileManager.default.copyItem(at: session.store.runDirectory(done.id), to: session.store.runDirectory(other.id))
        #expect(session.store.record(other.id) == nil)
        #expect(session.store.status(other.id) == .pending && session.store.status(done.id) == .completed)
        let plan = session.plan()
        #expect(plan.warnings.count == 1)
        #expect(plan.warnings.first?.contains("runs/\(other.id)/run.json cannot be read (it is the record of cell \(done.id), not of \(other.id))") == true,
                "\(plan.warnings)")
    }
}

/// `dpop run --break-lock ID`: removes a lock whose owner is gone, refuses a live one and says whose it is.
@Suite struct BreakLockTests {
    @Test func breaksOnlyLocksWhoseOwnerIsGoneAndSaysWhose() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let id = session.spec.cells()[0].id
        let url = session.store.lockFile(id)
        let fake = SlurmTests.FakeSqueue()
        fake.tasks["7"] = ["7_1": "RUNNING"]
        let here = ProcessInfo.processInfo.hostName
        #expect(try session.breakLock(id: id, slurm: fake.queue) == "cell \(id) has no lock")
        #expect(throws: DPOPError.self) { try session.breakLock(id: "nosuchcell", slurm: fake.queue) }
        func write(_ lock: CellLock) throws { try JSONEncoder().encode(lock).write(to: url) }
        // Live owners: a process on this host, a running Slurm task elsewhere.
        for (lock, whose) in [(CellLock(pid: 1, host: here, started: "", slurmJob: nil), "pid 1 on \(here)"),
                              (CellLock(pid: 9, host: "node-elsewhere", started: "", slurmJob: "7_1"), "pid 9 on node-elsewhere (Slurm job 7_1)")] {
            try write(lock)
            do {
                _ = try session.breakLock(id: id, slurm: fake.queue)
                Issue.record("broke a live lock: \(lock)")
            } catch {
                #expect("\(error)".contains("the lock of cell \(id) is live: it is held by \(whose), which is still running"), "\(error)")
            }
            #expect(CellLock.read(url) == lock)
        }
        // Another host and no Slurm job: the runner only says how to clear it; --break-lock does.
        let foreign = CellLock(pid: 9, host: "node-elsewhere", started: "", slurmJob: nil)
        try write(foreign)
        #expect(session.store.status(id, slurm: fake.queue) == .running)
        let note = try #require(session.store.unverifiableLockNote(id, specPath: session.specPath))
        #expect(note.contains("locked by pid 9 on node-elsewhere") && note.contains("dpop run \(session.specPath) --break-lock \(id)"))
        #expect(try session.breakLock(id: id, slurm: fake.queue) == "removed the lock of cell \(id), held by pid 9 on node-elsewhere")
        #expect(!FileManager.default.fileExists(atPath: url.path))
        // A lock this process holds is live too.
        #expect(try CellLock.acquire(url))
        #expect(throws: DPOPError.self) { try session.breakLock(id: id, slurm: fake.queue) }
        CellLock.release(url)
    }
}
