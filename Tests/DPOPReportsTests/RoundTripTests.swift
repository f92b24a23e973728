@testable import DPOPExperiments
import DPOPTrainer
import Foundation
import Testing
@testable import DPOPReports

/// The store writes, the reports read: real cells run by `CellRunner`, then a table rendered from the folder.
@Suite struct RoundTripTests {
    /// `dpop` listed before `dpo` and `high` before `low`, so spec order and alphabetical order differ; no pair of
    /// 1-step problems is 4 or more tokens apart, so a `high` cell fails for real.
    static let spec = """
    name: round-trip
    description: two real cells
    seeds: [0]
    model: {layers: 1, heads: 2, embedding: 16, context: 128}
    data: {task: arith, pairs: 40, corruption: step, steps: 1, max_number: 9, eval_fraction: 0.25, buckets: {low: [1, 3], high: [4, .inf]}}
    sft: {steps: 4, lr: 1e-3, batch: 4, warmup: 1}
    train: {steps: 3, lr: 1e-4, batch: 2, eval_every: 2, warmup: 0, task_eval_pairs: 2}
    grid:
      loss: [dpop, dpo]
      bucket: [high, low]
    """

    @Test func cellsWrittenByTheRunnerRenderAsATable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-roundtrip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let specFile = dir.appendingPathComponent("round-trip.yaml")
        try Self.spec.write(to: specFile, atomically: true, encoding: .utf8)
        let spec = try SpecLoader.load(path: specFile.path)
        let store = ResultsStore(resultsRoot: dir.appendingPathComponent("results"), experiment: spec.name)
        let sha = try store.prepare(specText: spec.text)
        let runner = CellRunner(spec: spec, store: store, cache: ReferenceCache(resultsRoot: dir.appendingPathComponent("results")))
        let cells = spec.cells()
        let dpopLow = try #require(cells.first { $0.config.loss.kind == .dpop && $0.config.bucket == "low" })
        let dpoLow = try #require(cells.first { $0.config.loss.kind == .dpo && $0.config.bucket == "low" })
        let dpopHigh = try #require(cells.first { $0.config.loss.kind == .dpop && $0.config.bucket == "high" })
        for cell in [dpoLow, dpopLow] { #expect(try runner.run(cell, specSHA256: sha, retryFailed: false) == .completed) }
        if case .failed = try runner.run(dpopHigh, specSHA256: sha, retryFailed: false) {} else { Issue.record("the high cell should fail") }
        // The records alone carry the order: without the saved spec nothing changes and nothing is noted.
        try FileManager.default.removeItem(at: store.root.appendingPathComponent("spec.yaml"))

        let results = try ExperimentResults.load(path: store.root.path)
        #expect(results.damaged.isEmpty && results.notes.isEmpty)
        #expect(results.name == "round-trip" && results.statusLine == "2 cells finished, 1 failed, 0 running")
        #expect(results.axes == ["loss", "bucket"])
        #expect(results.values(of: "loss") == ["dpop", "dpo"] && results.values(of: "bucket") == ["high", "low"])
        let run = try #require(results.runs.first { $0.id == dpopLow.id })
        let record = try #require(store.record(dpopLow.id))
        #expect(run.values == ["loss": "dpop", "bucket": "low"] && run.status == .completed)
        #expect(run.final == record.final && run.history.map(\.step) == [0, 2, 3])
        #expect(run.provenance == record.provenance)
        #expect(run.config["loss.kind"] == "dpop" && run.config["loss.lambda"] == "50" && run.config["model.layers"] == "1")
        #expect(run.bucketNames == ["low", "high"])

        let table = try ComparisonTable.build(results, options: TableOptions(metrics: ["logps/chosen_delta", "rewards/accuracies"]))
        let csv = try TableRenderer(table: table, templates: .builtIn()).render(.csv).split(separator: "\n").map(String.init)
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(3)) == ["loss", "bucket", "status"])
        #expect(header.contains("logps/chosen_delta_mean") && header.contains("rewards/accuracies_mean"))
        #expect(csv.count == 4)
        // Rows in spec order, not alphabetical: dpop high (failed), dpop low, dpo low.
        let failed = csv[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(failed.prefix(5)) == ["dpop", "high", "failed", "0", "1"] && failed.last == dpopHigh.id)
        #expect(results.runs.first { $0.id == dpopHigh.id }?.error?.contains("high") == true)
        // The completed rows' values are the records' final metrics.
        for (line, cell) in zip(csv.dropFirst(2), [dpopLow, dpoLow]) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let final = try #require(store.record(cell.id)?.final?.eval)
            #expect(fields[0] == cell.value(of: "loss") && fields[1] == cell.value(of: "bucket") && fields[2] == "completed")
            let mean = try #require(Double(fields[header.firstIndex(of: "logps/chosen_delta_mean")!]))
            #expect(abs(mean - final.logpsChosenDelta) <= 1e-9 * max(1, abs(final.logpsChosenDelta)))
            let accuracy = try #require(Double(fields[header.firstIndex(of: "rewards/accuracies_mean")!]))
            #expect(abs(accuracy - final.rewardsAccuracies) <= 1e-12)
            #expect(fields.last == cell.id)
        }
        let md = try TableRenderer(table: table, templates: .builtIn()).render(.md)
        #expect(md.contains("| loss | bucket | n | Δw (logps/chosen_delta) | reward acc. (rewards/accuracies) |"))
    }
}

/// The committed results/ (recorded before run.json kept the axis order) still read and render as committed.
@Suite struct CommittedResultsTests {
    static let resultsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("results")

    @Test(arguments: ["quickstart", "edit-distance"])
    func rendersTheCommittedTable(_ name: String) throws {
        let folder = Self.resultsRoot.appendingPathComponent(name)
        let results = try ExperimentResults.load(path: folder.path)
        #expect(results.damaged.isEmpty && !results.runs.isEmpty)
        // Older records: the order comes from the saved spec, and a note says so.
        let record = try String(contentsOf: folder.appendingPathComponent("runs/\(results.runs[0].id)/run.json"), encoding: .utf8)
        if !record.contains("\"axes\"") {
            #expect(results.notes.count == 1 && results.notes[0].contains("spec.yaml"))
        }
        let table = try TableRenderer(table: try ComparisonTable.build(results), templates: .builtIn()).render(.md)
        #expect(table == (try String(contentsOf: folder.appendingPathComponent("table.md"), encoding: .utf8)))
    }
}
