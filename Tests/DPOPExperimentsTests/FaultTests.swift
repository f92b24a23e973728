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
        for budget in [0, 3000, 6000, 9000] {
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
