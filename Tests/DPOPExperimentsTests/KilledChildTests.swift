import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// A cell whose process is killed by a signal (a crash, the OOM killer, `kill -9`) used to leave no
/// record: `plan` said pending, and its lock and work folder stayed. The runner records it.
@Suite struct KilledChildTests {
    /// A stand-in for `dpop run SPEC --cell ID` that claims the cell as the real one does (its lock with
    /// its pid, a work folder), optionally publishes `publish` as its record, then dies of `signal`.
    static func child(store: ResultsStore, id: String, signal: String, publish: URL? = nil) -> String {
        let lock = CellLock(pid: 0, host: ProcessInfo.processInfo.hostName, started: ISO8601DateFormatter().string(from: Date()), slurmJob: nil)
        let json = String(decoding: try! JSONEncoder().encode(lock), as: UTF8.self)
            .replacingOccurrences(of: #""pid":0"#, with: #""pid":'$$'"#)
        return """
        #!/bin/sh
        echo '\(json)' > '\(store.lockFile(id).path)'
        mkdir -p '\(store.runsDirectory.path)/.work-\(id)-'$$
        echo "stage 2: dpo for 3 steps"
        \(publish.map { "mv '\($0.path)' '\(store.runDirectory(id).path)'" } ?? "")
        kill -\(signal) $$
        """
    }

    static func run(_ session: ExperimentSession, _ cell: GridCell, script: String, in dir: URL) throws -> (LocalScheduler.Summary, [String]) {
        let child = dir.appendingPathComponent("child-\(UUID().uuidString).sh")
        try script.write(to: child, atomically: true, encoding: .utf8)
        chmod(child.path, 0o755)
        let scheduler = LocalScheduler(executable: child.path, specPath: session.specPath, resultsRoot: session.resultsRoot,
                                       store: session.store, options: LocalScheduler.Options())
        scheduler.spec = (session.spec, session.specSHA256)
        var lines: [String] = []
        scheduler.output = { text, isStatus in if !isStatus { lines.append(text) } }
        return (try scheduler.run([cell]), lines)
    }

    @Test func aChildKilledMidCellIsRecordedAsFailedNamingTheSignal() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = session.store
        let cell = session.spec.cells()[0]
        let (summary, lines) = try Self.run(session, cell, script: Self.child(store: store, id: cell.id, signal: "ABRT"), in: dir)
        #expect(summary.failed == 1 && summary.failedCells == [cell.id])
        let record = try #require(store.record(cell.id))
        #expect(record.status == .failed && record.attempt == 1 && record.config == cell.config && record.specSHA256 == session.specSHA256)
        #expect(record.error == "killed by signal 6 (Aborted) while running the cell; its last output: stage 2: dpo for 3 steps")
        #expect(record.values["loss"] == cell.value(of: "loss") && record.axes == session.spec.axisValues)
        #expect(store.status(cell.id) == .failed)   // not pending: plan, status and reports see the failure
        #expect(lines.contains { $0.hasPrefix("FAILED  \(cell.id)") && $0.contains("killed by signal 6 (Aborted) while running the cell") }, "\(lines)")
        // The dead child's lock and work folder are gone.
        #expect(!FileManager.default.fileExists(atPath: store.lockFile(cell.id).path))
        #expect(DiskFullTests.hidden(in: store.runsDirectory).isEmpty)
        #expect(try String(contentsOf: store.logFile(cell.id), encoding: .utf8).contains("recorded as failed"))
        // Like any failure it is left alone unless asked; killed again under --retry-failed, it is attempt 2.
        let (again, _) = try Self.run(session, cell, script: Self.child(store: store, id: cell.id, signal: "KILL"), in: dir)
        #expect(again.skipped == 1 && store.record(cell.id)?.attempt == 1)
    }

    /// A child that published its own record before it died keeps it; the runner writes nothing over it.
    @Test func aRecordTheChildPublishedIsKept() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = session.store
        let cell = session.spec.cells()[0]
        let own = dir.appendingPathComponent("own")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        var record = RunRecord(id: cell.id, experiment: session.spec.name, status: .failed, values: [:], axes: nil, config: cell.config,
                               provenance: GitRepository.provenance(at: dir.path).0, specSHA256: session.specSHA256,
                               started: "", finished: "", seconds: 1, attempt: 1, host: "h", error: "the child's own words")
        record.stoppedAtStep = 2
        try store.write(record, into: own)
        let (summary, _) = try Self.run(session, cell, script: Self.child(store: store, id: cell.id, signal: "KILL", publish: own), in: dir)
        #expect(summary.failed == 1)
        #expect(store.record(cell.id)?.error == "the child's own words" && store.record(cell.id)?.stoppedAtStep == 2)
        #expect(!FileManager.default.fileExists(atPath: store.attemptsDirectory(cell.id).path))
    }

    /// Another runner that holds the cell by the time the child is found dead is left alone.
    @Test func aCellAnotherRunnerHoldsIsNotRecorded() throws {
        let (session, dir) = try RunnerTests.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = session.store
        let cell = session.spec.cells()[0]
        // The child dies; by then "another runner" (a live process: this one's lock file, written by a
        // second flock holder) holds the cell.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "exec 9>>'\(store.lockFile(cell.id).path)'; flock 9; sleep 30"]
        let script = Self.child(store: store, id: cell.id, signal: "KILL").replacingOccurrences(of: "#!/bin/sh\n", with: "#!/bin/sh\nsleep 0.5\n")
            .replacingOccurrences(of: "echo '", with: "true '")
        try FileManager.default.createDirectory(at: store.locksDirectory, withIntermediateDirectories: true)
        try holder.run()
        defer { holder.terminate() }
        usleep(200_000)
        let (summary, _) = try Self.run(session, cell, script: script, in: dir)
        #expect(summary.failed == 1)
        #expect(store.record(cell.id) == nil)
    }
}
