import DPOPExperiments
import DPOPTrainer
import Foundation
import Testing
@testable import DPOPReports

/// `dpop predictors`: Spearman's ρ against scipy, and the analysis on a results folder whose Δw is
/// built to follow CHES and not edit distance.
@Suite struct PredictorAnalysisTests {
    @Test func spearmanMatchesScipyWithTies() {
        // scipy.stats.spearmanr([1,2,2,3,5,5,5,0], [0.3,0.1,0.2,-1,4,4,2,7]).statistic
        let rho = SpearmanCorrelation.rho([1, 2, 2, 3, 5, 5, 5, 0], [0.3, 0.1, 0.2, -1, 4, 4, 2, 7])
        #expect(abs(rho! - 0.06174722043424953) < 1e-12)
        #expect(SpearmanCorrelation.ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
        #expect(SpearmanCorrelation.rho([1, 2, 3, 4], [10, 20, 30, 1000]) == 1)
        #expect(SpearmanCorrelation.rho([1, 1, 1], [1, 2, 3]) == nil)
    }

    static func record(_ i: Int, edit: Int, ches: Double, deltaW: Double, split: String = "eval") -> PairRecord {
        PairRecord(split: split, index: i, bucket: nil, editDistance: edit, normalisedEditDistance: Double(edit) / 10,
                   ches: ches, chesNormalised: ches / 4, chosenLength: 10, rejectedLength: 10, referenceChosen: -5,
                   referenceRejected: -6, policyChosen: -5 + deltaW, policyRejected: -7)
    }

    /// Two seeds of `dpo` where Δw falls with CHES (plus noise) and edit distance is noise, and one `dpop`
    /// cell without pairs.jsonl.
    /// `reversedIDs`: the same cells under ids that sort seed 1 before seed 0.
    static func folder(reversedIDs: Bool = false) throws -> (ExperimentResults, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("predictors-\(UUID().uuidString)")
        var rng = SplitMix64(seed: 7)
        var runs: [RunResult] = []
        for seed in 0..<2 {
            let id = reversedIDs ? "dpo\(1 - seed)" : "dpo\(seed)"
            let rows = (0..<60).map { i -> PairRecord in
                let ches = Double(rng.next() % 1000) / 100
                let noise = Double(rng.next() % 100) / 100
                return record(i, edit: Int(rng.next() % 9) + 1, ches: ches, deltaW: -ches + noise)
            } + [record(0, edit: 1, ches: 0, deltaW: 100, split: "train")]
            let dir = root.appendingPathComponent("runs/\(id)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try PairRecord.write(rows, to: dir.appendingPathComponent("pairs.jsonl"))
            runs.append(RunResult(id: id, experiment: "x", status: .completed, values: ["loss": "dpo", "seed": "\(seed)"]))
        }
        runs.append(RunResult(id: "dpop0", experiment: "x", status: .completed, values: ["loss": "dpop", "seed": "0"]))
        let results = ExperimentResults(root: root.path, name: "x", runs: runs,
                                        axisOrder: [AxisValues(name: "loss", values: ["dpo", "dpop"]), AxisValues(name: "seed", values: ["0", "1"])])
        return (results, root)
    }

    @Test func chesWinsWhereDeltaWFollowsItAndTheIntervalsSaySo() throws {
        let (results, root) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        var options = PredictorAnalysis.Options()
        options.resamples = 200
        let a = try PredictorAnalysis.build(results, options: options)
        #expect(a.axes == ["loss"])
        #expect(a.rows.map(\.statistic) == PairStatistic.allCases)
        let ches = a.rows.first { $0.statistic == .ches }!
        let edit = a.rows.first { $0.statistic == .editDistance }!
        #expect(ches.pairs == 120 && ches.seeds == 2) // the train row is not an eval pair
        #expect(ches.rho < -0.9 && ches.ciHigh < -0.85 && ches.ciLow <= ches.rho && ches.rho <= ches.ciHigh)
        #expect(abs(edit.rho) < 0.3 && edit.ciLow < 0 && edit.ciHigh > 0)
        #expect(edit.gainOverEditDistance == nil)
        #expect(ches.gainOverEditDistance! > 0.5 && ches.gainCILow! > 0.4)
        // ρ is rank-based: the normalised CHES (a positive multiple) ranks the same.
        #expect(a.rows.first { $0.statistic == .chesNormalised }!.rho == ches.rho)
        #expect(a.notes.contains { $0.contains("1 completed cells have no pairs.jsonl") })
        // Seeded: the same options give the same intervals, whatever order the runs (their cell ids) come in.
        #expect(try PredictorAnalysis.build(results, options: options).rows == a.rows)
        let (renamed, renamedRoot) = try Self.folder(reversedIDs: true)
        defer { try? FileManager.default.removeItem(at: renamedRoot) }
        #expect(renamed.runs.map { $0.values["seed"] } != results.runs.map { $0.values["seed"] })
        #expect(try PredictorAnalysis.build(renamed, options: options).rows == a.rows)
        let md = try PredictorTableRenderer.render(a, format: .md)
        #expect(md.contains("| dpo | ches | 120 | 2 |"))
        let csv = try PredictorTableRenderer.render(a, format: .csv)
        #expect(csv.split(separator: "\n").count == 1 + PairStatistic.allCases.count)
    }

    @Test func badOptionsAndFoldersWithoutRecordsAreClearErrors() throws {
        let (results, root) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        var options = PredictorAnalysis.Options()
        options.split = "test"
        #expect(throws: ReportError.self) { _ = try PredictorAnalysis.build(results, options: options) }
        let empty = ExperimentResults(root: root.path, name: "x", runs: [results.runs.last!])
        #expect { _ = try PredictorAnalysis.build(empty) } throws: { "\($0)".contains("pairs.jsonl") }
    }
}
