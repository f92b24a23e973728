import Foundation
import Testing
@testable import DPOPReports

@Suite struct CompareTests {
    static func options(_ metrics: [String] = ["logps/chosen_delta", "logps/chosen_decreased"]) throws -> CompareOptions {
        CompareOptions(baseline: try CellSelector(parsing: "loss=dpo"), treatment: try CellSelector(parsing: "loss=dpop"), metrics: metrics)
    }

    /// dpo seeds 0, 1, 2; dpop seeds 0, 1 completed, 2 failed, and a dpop seed 3 without partner.
    static func results() -> ExperimentResults {
        Fixture.results([
            Fixture.run("b0", ["loss": "dpo", "seed": "0"], dw: -10, decreased: 1.0),
            Fixture.run("b1", ["loss": "dpo", "seed": "1"], dw: -12, decreased: 0.9),
            Fixture.run("b2", ["loss": "dpo", "seed": "2"], dw: -11, decreased: 0.95),
            Fixture.run("t0", ["loss": "dpop", "seed": "0"], dw: -8, decreased: 0.2),
            Fixture.run("t1", ["loss": "dpop", "seed": "1"], dw: -8, decreased: 0.95),
            Fixture.run("t2", ["loss": "dpop", "seed": "2"], dw: 0, status: .failed),
            Fixture.run("t3", ["loss": "dpop", "seed": "3"], dw: 1),
        ])
    }

    @Test func pairsBySeedAndListsTheRest() throws {
        let c = try PairedComparison.build(Self.results(), options: Self.options())
        #expect(c.groups.count == 1)
        let g = c.groups[0]
        #expect(g.pairs.map(\.seed) == ["0", "1"])
        #expect(g.pairs.map { "\($0.baseline.id)-\($0.treatment.id)" } == ["b0-t0", "b1-t1"])
        #expect(g.unpaired == [
            .init(side: .baseline, seed: "2", cell: "b2", status: .completed, reason: "its treatment partner failed"),
            .init(side: .treatment, seed: "2", cell: "t2", status: .failed, reason: "failed"),
            .init(side: .treatment, seed: "3", cell: "t3", status: .completed, reason: "no baseline cell with seed 3"),
        ])
    }

    @Test func pairedDifferenceCIAndWinRateByHand() throws {
        let g = try PairedComparison.build(Self.results(), options: Self.options()).groups[0]
        // Δw differences: −8 − (−10) = 2, −8 − (−12) = 4 → mean 3, std √2, half-width t(0.975, 1)·√2/√2 = 12.706.
        let dw = try #require(g.metrics["logps/chosen_delta"])
        #expect(dw.pairs.map(\.difference) == [2, 4])
        #expect(dw.difference?.mean == 3)
        #expect(abs(dw.difference!.std! - 2.0.squareRoot()) < 1e-12)
        #expect(abs(dw.difference!.ciLow! - (3 - 12.7062)) < 1e-3)
        #expect(dw.wins == 2 && dw.winRate == 1)
        // Lower is better for the share of pairs whose Δw fell: 0.2 < 1.0 wins, 0.95 > 0.9 loses.
        let share = try #require(g.metrics["logps/chosen_decreased"])
        #expect(!share.metric.higherIsBetter)
        #expect(share.wins == 1 && share.winRate == 0.5)
        #expect(g.baselineFailureMode)       // −10, −12, −11: CI entirely below 0
        #expect(!g.treatmentFailureMode)     // −8, −8, 1 (t2 failed): CI crosses 0
    }

    @Test func axesOnlyOneSideHasCompareWithTheSameBaseline() throws {
        // λ exists only for dpop cells (dpo cells write "-"): each λ is compared with the one dpo group per bucket.
        let c = try PairedComparison.build(try Fixture.editDistance(), options: Self.options())
        #expect(c.axes == ["lambda", "bucket"])
        #expect(c.groups.map { TextFormat.key($0.key, axes: c.axes) } ==
                ["lambda=5, bucket=low", "lambda=50, bucket=low", "lambda=50, bucket=high", "lambda=500, bucket=low"])
        #expect(c.groups.allSatisfy { $0.pairs.count == 3 && $0.unpaired.isEmpty && $0.metrics["logps/chosen_delta"]?.wins == 3 })
        // dpo is in its failure mode on the high bucket only; dpop nowhere.
        #expect(c.groups.map(\.baselineFailureMode) == [false, false, true, false])
        #expect(c.groups.allSatisfy { !$0.treatmentFailureMode })
        // The same baseline cells (dpo, low) stand against every λ of the low bucket.
        #expect(Set(c.groups[0].pairs.map(\.baseline.id)) == Set(c.groups[3].pairs.map(\.baseline.id)))
    }

    @Test func selectorsMatchValuesOrConfigAndRejectNonsense() throws {
        let sel = try CellSelector(parsing: "loss=dpop, lambda=50")
        #expect(sel.conditions.map(\.axis) == ["loss", "lambda"])
        let run = RunResult(id: "x", experiment: "e", status: .completed, values: ["loss": "dpop"], config: ["loss.lambda": "50.0"])
        #expect(sel.matches(run))            // λ from the config, compared as a number
        let dpo = RunResult(id: "y", experiment: "e", status: .completed, values: ["loss": "dpo"], notApplicable: ["lambda"], config: ["loss.lambda": "50"])
        #expect(!(try CellSelector(parsing: "lambda=50")).matches(dpo))
        #expect(throws: ReportError.self) { try CellSelector(parsing: "loss") }
        #expect(throws: ReportError.noMatchingCells("--treatment loss=orpo")) {
            try PairedComparison.build(Self.results(), options: CompareOptions(baseline: CellSelector(parsing: "loss=dpo"),
                                                                                treatment: CellSelector(parsing: "loss=orpo")))
        }
    }

    @Test func formats() throws {
        let c = try PairedComparison.build(Self.results(), options: Self.options(["logps/chosen_delta"]))
        let r = ComparisonRenderer(comparison: c, templates: try .builtIn())
        let md = try r.render(.md)
        #expect(md.contains("| pairs | Δw (logps/chosen_delta) ↑ | failure mode |"))
        #expect(md.contains("| 2 | +3.0 [-9.7, 15.7] 2/2 | ⚠ baseline |"))
        #expect(md.contains("Unpaired: baseline seed 2 (cell b2): its treatment partner failed"))
        let csv = try r.render(.csv).split(separator: "\n").map(String.init)
        #expect(csv[0] == "n_pairs,baseline_failure_mode,treatment_failure_mode,logps/chosen_delta_diff_mean,logps/chosen_delta_diff_std,logps/chosen_delta_n,logps/chosen_delta_ci_low,logps/chosen_delta_ci_high,logps/chosen_delta_wins,logps/chosen_delta_win_rate,logps/chosen_delta_higher_is_better,logps/chosen_delta_baseline_mean,logps/chosen_delta_treatment_mean,unpaired")
        #expect(csv[1].hasPrefix("2,true,false,3,1.4142135623730"))
        let json = try JSONSerialization.jsonObject(with: Data(try r.render(.json).utf8)) as! [String: Any]
        #expect(json["baseline"] as? String == "loss=dpo" && json["treatment"] as? String == "loss=dpop")
        let group = (json["groups"] as! [[String: Any]])[0]
        let dw = (group["metrics"] as! [String: Any])["logps/chosen_delta"] as! [String: Any]
        #expect(dw["mean_diff"] as? Double == 3 && dw["wins"] as? Int == 2 && dw["win_rate"] as? Double == 1)
        #expect((group["unpaired"] as! [[String: Any]]).count == 3)
    }
}
