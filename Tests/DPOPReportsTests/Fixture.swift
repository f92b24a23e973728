@testable import DPOPExperiments
import DPOPTrainer
import Foundation
@testable import DPOPReports

/// Test helpers: the fixture results folder and small in-memory results.
enum Fixture {
    /// `Fixtures/edit-distance`: loss {dpo, dpop} × bucket {low, high} × seed {0, 1, 2}, a λ sweep,
    /// one failed cell and one lock (written by scripts/make_report_fixture.py).
    static var editDistancePath: String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("edit-distance").path
    }

    static func editDistance() throws -> ExperimentResults { try ExperimentResults.load(path: editDistancePath) }

    /// The resolved config of a one-cell spec, for records written by hand.
    static let cellConfig: CellConfig = try! SpecLoader.parse("name: tmp\n", file: "/tmp/tmp.yaml").cells()[0].config

    /// A `run.json` as the store writes it, with `status` written verbatim (so `done` writes a legacy record).
    static func runJSON(_ id: String, status: String = "completed", values: [String: String] = [:], error: String? = nil,
                        axes: [AxisValues]? = nil, experiment: String = "tmp") throws -> String {
        let provenance = Provenance(commit: "3f2a9c1e5b7d8f0a1c2e3d4b5a6978c0d1e2f3a4", branch: "main", dirty: false, changedFiles: [],
                                    host: "test-host", date: "2026-01-01T00:00:00Z", libgit2: "1.5.1", environment: nil)
        let record = RunRecord(id: id, experiment: experiment, status: .completed, values: values, axes: axes, config: cellConfig,
                               provenance: provenance, specSHA256: String(repeating: "0", count: 64), started: "2026-01-01T00:00:00Z",
                               finished: "2026-01-01T00:01:00Z", seconds: 60, attempt: 1, host: "test-host", error: error)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try ResultsStore(folder: dir).write(record, into: dir)
        let json = try String(contentsOf: dir.appendingPathComponent("run.json"), encoding: .utf8)
        return json.replacingOccurrences(of: #""status" : "completed""#, with: #""status" : "\#(status)""#)
    }

    /// Eval metrics with the given Δw, Δl and reward accuracy (the rest derived or zero), as JSON.
    /// (The trainer's types have no public memberwise initialisers; records are built as run.json holds them.)
    static func metricsJSON(dw: Double, dl: Double = -1, accuracy: Double = 0.5, decreased: Double = 0.5) -> [String: Any] {
        ["n": 10, "loss": 0.5, "rewards/chosen": 0.1 * dw, "rewards/rejected": 0.1 * dl, "rewards/margins": 0.1 * (dw - dl),
         "rewards/accuracies": accuracy, "logps/chosen": -20 + dw, "logps/rejected": -30 + dl, "logps/chosen_delta": dw,
         "logps/rejected_delta": dl, "logps/chosen_decreased": decreased, "logps/chosen_delta_prefix": 0.0,
         "logps/chosen_delta_differing": 0.0, "logps/chosen_delta_suffix": dw]
    }

    static func record(step: Int, dw: Double, dl: Double = -1, accuracy: Double = 0.5, decreased: Double = 0.5,
                       buckets: [String: [String: Any]] = [:]) -> EvalRecord {
        let json: [String: Any] = ["step": step, "train/loss": 0.4, "elapsed": 1.0,
                                   "eval": metricsJSON(dw: dw, dl: dl, accuracy: accuracy, decreased: decreased), "buckets": buckets]
        return try! JSONDecoder().decode(EvalRecord.self, from: JSONSerialization.data(withJSONObject: json))
    }

    /// A cell with one record at step 100 (none when not completed).
    static func run(_ id: String, _ values: [String: String], dw: Double, dl: Double = -1, accuracy: Double = 0.5,
                    decreased: Double = 0.5, status: CellStatus = .completed, buckets: [String: [String: Any]] = [:]) -> RunResult {
        let r = record(step: 100, dw: dw, dl: dl, accuracy: accuracy, decreased: decreased, buckets: buckets)
        return RunResult(id: id, experiment: "mem", status: status, values: values, history: status == .completed ? [r] : [])
    }

    static func results(_ runs: [RunResult], order: [AxisValues] = [], spec: String? = nil, description: String? = nil,
                        running: [String] = []) -> ExperimentResults {
        ExperimentResults(root: "/tmp/mem", name: "mem", description: description, specText: spec, runs: runs,
                          runningWithoutResult: running, axisOrder: order)
    }
}
