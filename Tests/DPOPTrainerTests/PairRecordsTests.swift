import Foundation
import Testing
@testable import DPOPTrainer

/// `train.pair_records`: `pairs.jsonl` holds every pair's statistics and its Δw, Δl, each as computed
/// directly from the saved models.
@Suite struct PairRecordsTests {
    @Test func pairsJSONLMatchesTheSavedModelsAndTheEvalRecord() throws {
        let pairs = try PreferenceTrainingTests.pairs(40, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 6)
        config.train.pairRecords = true
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pair-records-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = PreferenceRun(config: config, pairs: pairs)
        let records = try run.run(outDirectory: dir)
        let rows = try PairRecord.read(dir.appendingPathComponent("pairs.jsonl"))
        let (train, eval) = try run.split()
        #expect(rows.filter { $0.split == "train" }.count == train.count)
        #expect(rows.filter { $0.split == "eval" }.count == eval.count)

        // Recompute from the checkpoints the run saved: reference log-probs, final log-probs, CHES.
        let reference = try PretrainedModel.open(dir.appendingPathComponent("reference")).load(maxBatch: 8)
        let policy = try PretrainedModel.open(dir.appendingPathComponent("policy")).load(maxBatch: 8)
        let evalRows = rows.filter { $0.split == "eval" }
        let refW = SequenceScorer.score(reference, eval.map(\.chosen)).sums
        let polW = SequenceScorer.score(policy, eval.map(\.chosen)).sums
        let polL = SequenceScorer.score(policy, eval.map(\.rejected)).sums
        let ches = CHESScorer.score(reference, eval)
        for (i, r) in evalRows.enumerated() {
            #expect(r.index == i)
            #expect(r.editDistance == eval[i].editDistance && r.bucket == eval[i].bucket)
            #expect(abs(r.referenceChosen - refW[i]) < 1e-4)
            #expect(abs(r.policyChosen - polW[i]) < 1e-4 && abs(r.policyRejected - polL[i]) < 1e-4)
            #expect(abs(r.deltaW - (polW[i] - refW[i])) < 1e-4)
            #expect(abs(r.ches - ches[i].ches) <= 1e-6 * max(1, abs(ches[i].ches)))
            #expect(abs(r.chesNormalised - ches[i].normalised) <= 1e-6 * max(1, abs(ches[i].normalised)))
        }
        // The eval split's mean Δw is the final record's.
        let mean = evalRows.map(\.deltaW).reduce(0, +) / Double(evalRows.count)
        #expect(abs(mean - records.last!.eval.logpsChosenDelta) < 1e-3)
        #expect(evalRows.contains { $0.deltaW != 0 })
    }

    @Test func chesFromCHESBucketsIsCarriedIntoTheRecordsNotRecomputedDifferently() throws {
        let pairs = try PreferenceTrainingTests.pairs(40, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 2)
        config.buckets = ["low=0..0.5", "high=0.5..1"]
        config.bucketBy = .ches
        config.quantileBuckets = true
        config.trainBucket = "high"
        config.train.pairRecords = true
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pair-records-ches-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = try PreferenceTrainingTests.model(seed: 9)
        _ = try PreferenceRun(config: config, pairs: pairs).run(outDirectory: dir, outputs: [], reference: reference)
        let rows = try PairRecord.read(dir.appendingPathComponent("pairs.jsonl"))
        #expect(!rows.isEmpty && rows.allSatisfy { $0.bucket == "high" })
        // The carried values are the reference's CHES of those very pairs.
        let run = PreferenceRun(config: config, pairs: pairs)
        var (train, eval) = try run.split()
        _ = try PreferenceRun.assignBuckets(try config.statisticBuckets()!, reference: reference, train: &train, eval: &eval)
        let high = eval.filter { $0.bucket == "high" }
        let direct = CHESScorer.score(reference, high)
        let evalRows = rows.filter { $0.split == "eval" }
        #expect(evalRows.count == high.count)
        for (r, c) in zip(evalRows, direct) { #expect(r.ches == c.ches && r.chesNormalised == c.normalised) }
    }

    @Test func theSettingIsLeftOutOfTheConfigJSONAtItsDefault() throws {
        var config = PreferenceTrainConfig()
        #expect(!String(decoding: try JSONEncoder().encode(config), as: UTF8.self).contains("pairRecords"))
        config.pairRecords = true
        let json = try JSONEncoder().encode(config)
        #expect(String(decoding: json, as: UTF8.self).contains("\"pairRecords\":true"))
        #expect(try JSONDecoder().decode(PreferenceTrainConfig.self, from: json) == config)
    }

    @Test func aDamagedLineIsReportedWithItsLineNumber() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let good = PairRecord(split: "eval", index: 0, bucket: nil, editDistance: 1, normalisedEditDistance: 0.1, ches: 1, chesNormalised: 0.5,
                              chosenLength: 3, rejectedLength: 3, referenceChosen: -1, referenceRejected: -2,
                              policyChosen: -1.5, policyRejected: -3)
        try PairRecord.write([good], to: file)
        #expect(try PairRecord.read(file) == [good])
        try Data((String(decoding: try Data(contentsOf: file), as: UTF8.self) + "{\"split\": 1}\n").utf8).write(to: file)
        #expect {
            _ = try PairRecord.read(file)
        } throws: { error in
            guard case DPOPError.data(let path, let line, _) = error else { return false }
            return path == file.path && line == 2
        }
    }
}

/// The bucket axis value `all`: every pair, per-bucket metrics kept.
@Suite struct AllPairsBucketTests {
    @Test func allTrainsOnEveryPairAndKeepsTheBucketMetrics() throws {
        let pairs = try PreferenceTrainingTests.pairs(40, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 2)
        config.trainBucket = "all"
        let run = PreferenceRun(config: config, pairs: pairs)
        let last = try run.run().last!
        let (_, eval) = try run.split()
        #expect(last.eval.n == eval.count)
        #expect(Set(last.buckets.keys) == ["low", "high"])
        config.trainBucket = "low"
        let low = try PreferenceRun(config: config, pairs: pairs).run().last!
        #expect(low.eval.n == eval.filter { $0.bucket == "low" }.count && low.eval.n < eval.count)
        config.trainBucket = "lwo"
        #expect(throws: DPOPError.self) { _ = try PreferenceRun(config: config, pairs: pairs).run() }
    }
}
