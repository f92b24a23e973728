import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// Running cells into the results store: records, skipping, failures, the shared reference cache.
@Suite struct RunnerTests {
    static let spec = """
    name: tiny
    description: a grid small enough for a unit test
    seeds: [0]
    model: {layers: 1, heads: 2, embedding: 16, context: 128}
    data: {task: arith, pairs: 40, corruption: step, steps: 1, max_number: 9, eval_fraction: 0.25, buckets: {low: [1, 3], high: [4, .inf]}}
    sft: {steps: 4, lr: 1e-3, batch: 4, warmup: 1}
    train: {steps: 3, lr: 1e-4, batch: 2, eval_every: 2, warmup: 0, task_eval_pairs: 2}
    grid:
      loss: [dpo, dpop]
      bucket: [low, high]
    """

    static func session() throws -> (ExperimentSession, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let specURL = dir.appendingPathComponent("tiny.yaml")
        try spec.write(to: specURL, atomically: true, encoding: .utf8)
        return (try ExperimentSession.open(specPath: specURL.path, resultsRoot: dir.appendingPathComponent("results").path), dir)
    }

    @Test func cellsRunOnceShareTheReferenceAndRecordFailures() throws {
        let (session, dir) = try Self.session()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cells = session.spec.cells()
        #expect(cells.count == 4)
        let dpoLow = cells.first { $0.config.loss.kind == .dpo && $0.config.bucket == "low" }!
        #expect(try session.runCell(id: dpoLow.id, retryFailed: false) { _ in } == .done)
        let record = try #require(session.store.record(dpoLow.id))
        #expect(record.status == .done && record.final != nil && record.referenceSHA256 != nil)
        #expect(record.values["loss"] == "dpo" && record.values["bucket"] == "low")
        let metrics = try String(contentsOf: session.store.runDirectory(dpoLow.id).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 3)   // steps 0, 2, 3
        #expect(session.store.status(dpoLow.id) == .done)
        // A finished cell is skipped, its files untouched.
        let before = try Data(contentsOf: session.store.runDirectory(dpoLow.id).appendingPathComponent("run.json"))
        #expect(try session.runCell(id: dpoLow.id, retryFailed: true) { _ in } == .skipped(.done))
        #expect(try Data(contentsOf: session.store.runDirectory(dpoLow.id).appendingPathComponent("run.json")) == before)
        // The second cell of the same seed reuses the cached reference.
        let dpopLow = cells.first { $0.config.loss.kind == .dpop && $0.config.bucket == "low" }!
        var logs: [String] = []
        #expect(try session.runCell(id: dpopLow.id, retryFailed: false) { logs.append($0) } == .done)
        #expect(!logs.contains { $0.contains("building reference") })
        #expect(session.store.record(dpopLow.id)?.referenceSHA256 == record.referenceSHA256)
        // No pair of 1-step problems has edit distance ≥ 4: the high cells fail, and are recorded as failed.
        let high = cells.first { $0.config.bucket == "high" }!
        if case .failed = try session.runCell(id: high.id, retryFailed: false) { _ in } {} else { Issue.record("expected a failure") }
        #expect(session.store.status(high.id) == .failed)
        #expect(session.store.record(high.id)?.error?.contains("high") == true)
        #expect(try session.runCell(id: high.id, retryFailed: false) { _ in } == .skipped(.failed))
        let plan = session.plan()
        #expect(plan.totals[.done] == 2 && plan.totals[.failed] == 1 && plan.totals[.pending] == 1)
    }

    @Test func staleLocksAreReclaimedLiveOnesRespected() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = dir.appendingPathComponent("x.lock")
        #expect(try CellLock.acquire(lock))
        #expect(try !CellLock.acquire(lock))           // held by this (live) process
        // A lock left by a process that no longer exists is stale.
        let dead = CellLock(pid: 999_999, host: ProcessInfo.processInfo.hostName, started: "", slurmJob: nil)
        try JSONEncoder().encode(dead).write(to: lock)
        #expect(try CellLock.acquire(lock))
        CellLock.release(lock)
        #expect(!FileManager.default.fileExists(atPath: lock.path))
    }
}
