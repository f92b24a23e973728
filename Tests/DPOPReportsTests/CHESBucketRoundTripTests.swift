@testable import DPOPExperiments
import DPOPTrainer
import Foundation
import Testing
@testable import DPOPReports

/// Log lines collected from the runner's callback.
private final class LogLines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// A CHES-quantile bucket cell run by `CellRunner` (reference through the cache) and read back by the reports.
@Suite struct CHESBucketRoundTripTests {
    static let spec = """
    name: ches-round-trip
    seeds: [0]
    model: {layers: 1, heads: 2, embedding: 16, context: 128}
    data: {task: arith, pairs: 40, corruption: "step:0.5,resample:0.5", steps: 1, max_number: 9, eval_fraction: 0.25,
           bucket_by: ches, quantile: true, buckets: {low: [0, 0.5], high: [0.5, 1]}}
    sft: {steps: 4, lr: 1e-3, batch: 4, warmup: 1}
    train: {steps: 2, lr: 1e-4, batch: 2, eval_every: 2, warmup: 0, task_eval_pairs: 2}
    loss: {type: dpo}
    grid:
      bucket: [high]
    """

    @Test func aCHESQuantileCellRunsAndReportsItsBuckets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-ches-roundtrip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let specFile = dir.appendingPathComponent("ches-round-trip.yaml")
        try Self.spec.write(to: specFile, atomically: true, encoding: .utf8)
        let spec = try SpecLoader.load(path: specFile.path)
        let store = ResultsStore(resultsRoot: dir.appendingPathComponent("results"), experiment: spec.name)
        let sha = try store.prepare(specText: spec.text)
        var runner = CellRunner(spec: spec, store: store, cache: ReferenceCache(resultsRoot: dir.appendingPathComponent("results")))
        let lines = LogLines()
        runner.log = { lines.append($0) }
        let cell = try #require(spec.cells().first)
        #expect(try runner.run(cell, specSHA256: sha, retryFailed: false) == .completed)
        let log = lines.text
        #expect(log.contains("buckets: CHES of 40 pairs under the reference in "), "\(log)")
        #expect(log.contains("buckets by ches (quantiles of "))
        let results = try ExperimentResults.load(path: store.root.path)
        let run = try #require(results.runs.first { $0.id == cell.id })
        #expect(run.bucketNames == ["low", "high"])
        #expect(run.final?.buckets["high"] != nil)
    }
}
