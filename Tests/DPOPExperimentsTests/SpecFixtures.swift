import Foundation
@testable import DPOPExperiments

/// Specs shared by the spec and grid tests, and helpers to parse them.
enum SpecFixtures {
    /// The example from the spec documentation: 3 seeds × (dpo 6 + dpop 18 + ipo 3 β/lr/bucket cells) = 81 cells.
    static let example = """
    name: edit-distance            # results folder name
    description: DPO vs DPOP across edit-distance buckets
    seeds: [0, 1, 2]
    model: {layers: 4, heads: 4, embedding: 128, context: 128}
    data:
      task: arith
      pairs: 4000
      corruption: {step: 0.5, propagate: 0.25, resample: 0.25}
      steps: 2
      max_number: 50
      seed: 0
      eval_fraction: 0.1
      buckets: {low: [1, 3], mid: [4, 12], high: [13, .inf]}
    sft: {steps: 800, lr: 1e-3, batch: 32, warmup: 50}
    train: {steps: 300, lr: 5e-4, batch: 16, eval_every: 25, warmup: 10, task_eval_pairs: 64}
    loss: {type: dpop, beta: 0.1, lambda: 50, placement: inside, epsilon: 0.1, gamma: 0.5, alpha: 1.0}
    grid:
      loss: [dpo, dpop, ipo]
      beta: [0.1, 0.3]
      lambda: {values: [5, 50, 500], when: {loss: dpop}}   # conditional axis
      bucket: [low, mid, high]
    zip:
      - {train.lr: [1e-4, 5e-5], beta: [0.1, 0.3]}
    exclude:
      - {loss: ipo, beta: 0.3}
    """

    /// Parses `yaml` as `test.yaml`.
    static func parse(_ yaml: String) throws -> ExperimentSpec {
        try SpecLoader.parse(yaml, file: "test.yaml")
    }

    /// The diagnostics parsing `yaml` produces (empty if it parses).
    static func diagnostics(_ yaml: String) -> [SpecDiagnostic] {
        do {
            _ = try parse(yaml)
            return []
        } catch let error as SpecError {
            return error.diagnostics
        } catch {
            return [SpecDiagnostic(file: "?", line: -1, column: -1, message: "unexpected \(error)")]
        }
    }
}
