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

    static func editDistance() throws -> ExperimentResults { try ResultsFolder.load(path: editDistancePath) }

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
                    decreased: Double = 0.5, status: RunStatus = .completed, buckets: [String: [String: Any]] = [:]) -> RunResult {
        let r = record(step: 100, dw: dw, dl: dl, accuracy: accuracy, decreased: decreased, buckets: buckets)
        return RunResult(id: id, experiment: "mem", status: status, values: values, history: status == .completed ? [r] : [])
    }

    static func results(_ runs: [RunResult], spec: String? = nil, description: String? = nil, running: [String] = []) -> ExperimentResults {
        ExperimentResults(root: "/tmp/mem", name: "mem", description: description, specText: spec, runs: runs,
                          runningWithoutResult: running)
    }
}
