import DPOPExperiments
import DPOPTrainer
import Foundation
import Testing

/// `dpop run` under signals, end to end with the real binary: its running cell records itself as
/// interrupted when the terminal closes (SIGHUP) or the runner is killed outright (`kill -9`),
/// instead of training on as an orphan.
@Suite(.serialized) struct SignalTests {
    /// One cell whose training would take far longer than the test.
    static let spec = """
    name: long
    seeds: [0]
    model: {layers: 1, heads: 2, embedding: 16, context: 128}
    data: {task: arith, pairs: 40, corruption: step, steps: 1, max_number: 9, eval_fraction: 0.25}
    sft: {steps: 2, lr: 1e-3, batch: 4, warmup: 0}
    train: {steps: 100000, lr: 1e-4, batch: 2, eval_every: 100000, warmup: 0, task_eval_pairs: 2}
    grid:
      loss: [dpo]
    """

    /// Starts `dpop run SPEC` on a fresh folder and waits until its cell trains; returns the runner,
    /// the folder, the store and the cell id.
    static func startRunner() throws -> (Process, URL, ResultsStore, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let specURL = dir.appendingPathComponent("long.yaml")
        try spec.write(to: specURL, atomically: true, encoding: .utf8)
        let results = dir.appendingPathComponent("results")
        let session = try ExperimentSession.open(specPath: specURL.path, resultsRoot: results.path, prepare: false)
        let id = session.spec.cells()[0].id
        let runner = Process()
        runner.executableURL = PortableBinaryTests.productsDirectory.appendingPathComponent("dpop")
        runner.arguments = ["run", specURL.path, "--results", results.path, "--threads", "1"]
        runner.standardOutput = FileHandle.nullDevice
        runner.standardError = FileHandle.nullDevice
        try runner.run()
        let log = session.store.logFile(id)
        let deadline = Date().addingTimeInterval(60)
        var training = false
        while !training && runner.isRunning && session.store.record(id) == nil && Date() < deadline {
            usleep(100_000)
            training = (try? String(contentsOf: log, encoding: .utf8))?.contains("stage 2") == true
        }
        guard training else {
            runner.terminate()
            throw DPOPError.usage("the cell did not start training: \((try? String(contentsOf: log, encoding: .utf8)) ?? "no log")")
        }
        return (runner, dir, session.store, id)
    }

    /// Waits (bounded) for the cell's run.json; then kills whatever still holds the cell (an orphan).
    static func waitForRecord(_ store: ResultsStore, _ id: String) -> String? {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let record = store.record(id) { return record.status.rawValue }
            usleep(100_000)
        }
        if let lock = CellLock.read(store.lockFile(id)) { kill(lock.pid, SIGKILL) }
        return nil
    }

    @Test func closingTheTerminalInterruptsTheRunningCell() throws {
        let (runner, dir, store, id) = try Self.startRunner()
        defer { try? FileManager.default.removeItem(at: dir) }
        kill(runner.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(30)
        while runner.isRunning && Date() < deadline { usleep(100_000) }
        if runner.isRunning {
            Issue.record("the runner ignored SIGHUP")
            kill(runner.processIdentifier, SIGKILL)
        }
        runner.waitUntilExit()
        #expect(runner.terminationReason == .exit && runner.terminationStatus == 130,
                "\(runner.terminationReason == .exit ? "exit" : "signal") \(runner.terminationStatus)")
        #expect(Self.waitForRecord(store, id) == "interrupted")
        #expect(store.record(id)?.error?.contains("interrupted by signal \(SIGTERM)") == true)
    }

    @Test func aCellStopsWhenItsRunnerIsKilled() throws {
        let (runner, dir, store, id) = try Self.startRunner()
        defer { try? FileManager.default.removeItem(at: dir) }
        kill(runner.processIdentifier, SIGKILL)
        runner.waitUntilExit()
        #expect(Self.waitForRecord(store, id) == "interrupted")
        #expect(store.status(id) == .interrupted)      // so the next `dpop run` runs it again
    }

    /// The cell's own process killed mid-cell (as a crash or the OOM killer would): the runner records
    /// it as failed naming the signal, removes its lock and work folder, and exits 1.
    @Test func aCellKilledMidTrainingIsRecordedAsFailedByTheRunner() throws {
        let (runner, dir, store, id) = try Self.startRunner()
        defer { try? FileManager.default.removeItem(at: dir) }
        let child = try #require(CellLock.read(store.lockFile(id))?.pid)
        #expect(child != runner.processIdentifier)
        kill(child, SIGKILL)
        runner.waitUntilExit()
        #expect(runner.terminationStatus == 1)
        let record = try #require(store.record(id))
        #expect(record.status == .failed && record.error?.hasPrefix("killed by signal 9 (Killed) while running the cell") == true)
        #expect(store.status(id) == .failed)
        #expect(!FileManager.default.fileExists(atPath: store.lockFile(id).path))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: store.runsDirectory.path)) ?? []).filter { $0.hasPrefix(".") }.isEmpty)
    }
}
