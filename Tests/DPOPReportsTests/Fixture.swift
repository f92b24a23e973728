@testable import DPOPExperiments
import DPOPTrainer
import Foundation
import Testing
@testable import DPOPReports

/// Test helpers: the fixture results folder and small in-memory results.
enum Fixture {
    /// `Fixtures/edit-distance`: loss {dpo, dpop} × bucket {low, high} × seed {0, 1, 2} and a λ sweep {5, 50, 500}
    /// of dpop on the low bucket: 18 real cells that `dpop run` wrote from `Fixtures/edit-distance.yaml`
    /// (scripts/make_report_fixture.sh), all completed, from one clean commit.
    static var editDistancePath: String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("edit-distance").path
    }

    static func editDistance() throws -> ExperimentResults { try ExperimentResults.load(path: editDistancePath) }

    /// The fixture copied to a scratch folder with what a real store meets in time, written through the store:
    /// cell dpop λ=500 low seed 1 failed at train step 20 (its records after it dropped), a live lock (this
    /// process) on cell `troubleLockID` that has no result yet, and the three dpop λ=50 high cells run from
    /// another, dirty commit.
    static func withTrouble() throws -> ExperimentResults {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("dpop-fixture-\(UUID().uuidString)").appendingPathComponent("edit-distance")
        try fm.createDirectory(at: root.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: URL(fileURLWithPath: editDistancePath), to: root)
        let store = ResultsStore(folder: root)
        for run in store.storedRuns().runs {
            var r = run.record
            let dir = store.runDirectory(r.id)
            if r.values == ["loss": "dpop", "lambda": "500", "bucket": "low", "seed": "1"] {
                r.status = .failed
                r.final = nil
                r.stoppedAtStep = 20
                r.error = "\(DPOPError.nonFinite(stage: "train", step: 20, what: "loss", value: .nan))"
                let kept = run.history.filter { $0.step <= 20 }.map { String(decoding: try! JSONEncoder().encode($0), as: UTF8.self) }
                try (kept.joined(separator: "\n") + "\n").write(to: store.metricsFile(r.id), atomically: true, encoding: .utf8)
            } else if r.values["loss"] == "dpop" && r.values["lambda"] == "50" && r.values["bucket"] == "high" {
                r.provenance.commit = troubleDirtyCommit
                r.provenance.dirty = true
                r.provenance.changedFiles = ["Sources/DPOPTrainer/Losses/PreferenceLoss.swift"]
            } else {
                continue
            }
            try store.write(r, into: dir)
        }
        try fm.createDirectory(at: store.locksDirectory, withIntermediateDirectories: true)
        #expect(try CellLock.acquire(store.lockFile(troubleLockID)))
        return try ExperimentResults.load(path: root.path)
    }

    static let troubleLockID = "09df9a4395af"
    static let troubleDirtyCommit = "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c"

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
