import Foundation
import Testing
@testable import DPOPTrainer

/// Buckets by any pair statistic: quantile cut points, the exact partition they make, bound checks, and
/// CHES buckets assigned from a seeded model's scores.
struct StatisticBucketsTests {
    static func halves(_ statistic: PairStatistic = .ches) throws -> StatisticBuckets {
        try StatisticBuckets(parsing: ["low=0..0.5", "high=0.5..1"], statistic: statistic, quantile: true)
    }

    /// Names of the buckets each value falls in (more than one would be double counting).
    static func memberships(_ r: StatisticBuckets.Resolved, _ v: Double) -> [String] {
        r.ranges.filter { $0.contains(v) }.map(\.name)
    }

    @Test func cutPointsOnDistinctValues() throws {
        let b = try StatisticBuckets(parsing: ["low=0..0.4", "mid=0.4..0.8", "high=0.8..1"], statistic: .ches, quantile: true)
        let r = try b.resolve(training: [5, 1, 3, 2, 4])
        #expect(r.ranges.map(\.lo) == [-.infinity, 3, 5])
        #expect(r.ranges.map(\.hi) == [3, 5, .infinity])
        #expect([1, 2, 3, 4, 5].map { r.bucket(for: $0) } == ["low", "low", "mid", "mid", "high"])
        // Eval values beyond the training range land in the outer buckets.
        #expect(r.bucket(for: -100) == "low" && r.bucket(for: 100) == "high")
        // 0.3 · 10 is 3.0000000000000004 in floating point; the cut is still the 4th value.
        #expect(StatisticBuckets.cutPoint(0.3, sorted: (0..<10).map(Double.init)) == 3)
        #expect(StatisticBuckets.cutPoint(0, sorted: [1]) == -.infinity && StatisticBuckets.cutPoint(1, sorted: [1]) == .infinity)
    }

    @Test func tiesFallOnOneSideAndNeverCountTwice() throws {
        let b = try Self.halves()
        // [1, 1, 1, 2]: the median cut is 1, so all the 1s go high and low is empty — reported, not split.
        let tied = try b.resolve(training: [1, 1, 2, 1])
        #expect(tied.ranges[0].hi == 1 && [1, 1, 1, 2].allSatisfy { tied.bucket(for: $0) == "high" })
        let r = try b.resolve(training: [2, 1, 3, 2])
        #expect([1, 2, 2, 3].map { r.bucket(for: $0) } == ["low", "high", "high", "high"])
        // Seeded values with many ties, quartiles: every value is in exactly one bucket.
        var rng = SplitMix64(seed: 7)
        let values = (0..<200).map { _ in Double(rng.next() % 6) }
        let quartiles = try StatisticBuckets(parsing: ["q1=0..0.25", "q2=0.25..0.5", "q3=0.5..0.75", "q4=0.75..1"],
                                             statistic: .editDistance, quantile: true).resolve(training: values)
        for v in values + [-1, 0.5, 2.5, 99] { #expect(Self.memberships(quartiles, v).count == 1, "\(v)") }
        // Gaps are allowed: [0, 0.25) and [0.75, 1] leave the middle in no bucket (cuts s[2] = 3 and s[6] = 7).
        let outer = try StatisticBuckets(parsing: ["low=0..0.25", "high=0.75..1"], statistic: .ches, quantile: true)
            .resolve(training: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect([1, 2, 3, 5, 6, 7, 8].map { outer.bucket(for: $0) } == ["low", "low", nil, nil, nil, "high", "high"])
    }

    @Test func smallSets() throws {
        let b = try Self.halves()
        // One training value: the cut is that value, so it (and anything above) is high, anything below low.
        let one = try b.resolve(training: [4])
        #expect(one.bucket(for: 4) == "high" && one.bucket(for: 3.9) == "low")
        let two = try b.resolve(training: [9, 3])
        #expect(two.bucket(for: 3) == "low" && two.bucket(for: 9) == "high")
        #expect(throws: DPOPError.self) { try b.resolve(training: []) }
        // Absolute buckets ignore the training values and are inclusive at both ends.
        let absolute = try StatisticBuckets(parsing: ["neg=-inf..-0.5", "pos=0..inf"], statistic: .ches, quantile: false).resolve(training: [])
        #expect(absolute.bucket(for: -0.5) == "neg" && absolute.bucket(for: -0.25) == nil && absolute.bucket(for: 0) == "pos")
    }

    @Test func boundsAreChecked() throws {
        func message(_ specs: [String], _ s: PairStatistic = .ches, quantile: Bool = true) -> String {
            do { _ = try StatisticBuckets(parsing: specs, statistic: s, quantile: quantile); return "" } catch { return "\(error)" }
        }
        #expect(message(["a=0..1.5"]).contains("quantile bounds lie in [0, 1]"))
        #expect(message(["a=0.5..0.5"]).contains("would be empty"))
        #expect(message(["a=0..0.6", "b=0.5..1"]).contains("overlap"))
        #expect(message(["a=0..0.5", "b=0.5..1"]) == "")
        #expect(message(["a=-3..-1"], quantile: false) == "")
        #expect(message(["a=0..1", "b=1..2"], quantile: false).contains("overlap"))
        #expect(message(["a=-1..3"], .editDistance, quantile: false).contains("edit distances are >= 0"))
        #expect(message(["a=0..2.5"], .editDistance, quantile: false).contains("whole numbers"))
        #expect(message(["a=0..1.5"], .normalisedEditDistance, quantile: false).contains("[0, 1]"))
        #expect(message(["a=0..0.5", "a=0.5..1"]).contains("used twice"))
        let parsed = try StatisticBuckets.Bucket.parse("neg=-inf..-2.5")
        #expect(parsed.lo == -.infinity && parsed.hi == -2.5 && parsed.description == "neg=-inf..-2.5")
    }

    @Test func spearmanRanksTiesAtTheirMean() {
        #expect(RankCorrelation.ranks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1])
        #expect(RankCorrelation.spearman([1, 2, 3, 4], [10, 100, 1000, 10000]) == 1)
        #expect(RankCorrelation.spearman([1, 2, 3], [3, 2, 1]) == -1)
        #expect(RankCorrelation.spearman([1, 1, 1], [1, 2, 3]) == nil)
        // Without ties it is 1 − 6 Σd² / (n(n² − 1)).
        let x: [Double] = [3, 1, 4, 1.5, 5, 9, 2.6], y: [Double] = [2, 7, 1, 8, 2.8, 1.8, 2.9]
        let d2 = zip(RankCorrelation.ranks(x), RankCorrelation.ranks(y)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        let n = Double(x.count)
        #expect(abs(RankCorrelation.spearman(x, y)! - (1 - 6 * d2 / (n * (n * n - 1)))) < 1e-12)
    }

    @Test func chesBucketsFollowTheReferencesScores() throws {
        let model = try PreferenceTrainingTests.model(seed: 4)
        let pairs = try PreferenceTrainingTests.pairs(20, mix: "step:0.5,resample:0.5").map { PreparedPair($0, buckets: nil) }
        var train = Array(pairs[..<14]), eval = Array(pairs[14...])
        let scores = CHESScorer.score(model, pairs)
        let resolved = try PreferenceRun.assignBuckets(try Self.halves(.ches), reference: model, train: &train, eval: &eval)
        // The cut is the training CHES ranked 7th of 14 (index ⌈0.5 · 14⌉ = 7).
        let cut = scores[..<14].map(\.ches).sorted()[7]
        #expect(resolved.ranges[0].hi == cut)
        for (i, p) in (train + eval).enumerated() {
            #expect(p.bucket == (scores[i].ches < cut ? "low" : "high"), "pair \(i): ches \(scores[i].ches), cut \(cut)")
        }
        #expect(train.filter { $0.bucket == "low" }.count == 7)
        // By the normalised form the order may differ; each pair follows its own statistic.
        var train2 = Array(pairs[..<14]), eval2 = Array(pairs[14...])
        let r2 = try PreferenceRun.assignBuckets(try Self.halves(.chesNormalised), reference: model, train: &train2, eval: &eval2)
        for (i, p) in (train2 + eval2).enumerated() { #expect(p.bucket == r2.bucket(for: scores[i].normalised)) }
    }

    @Test func anEmptyBucketStopsTheRunNamingItsBoundsAndCutPoints() throws {
        let pairs = try PreferenceTrainingTests.pairs(24, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 2)
        config.buckets = ["far=1000000..inf", "rest=-inf..999999"]
        config.bucketBy = .ches
        config.trainBucket = "far"
        #expect { try PreferenceRun(config: config, pairs: pairs).run(reference: try PreferenceTrainingTests.model(seed: 9)) } throws: { e in
            "\(e)".contains("bucket 'far' (ches far=1000000..inf) holds 0 training and 0 eval pairs")
        }
        // Quantiles: every value of edit distance tied gives an empty lower half; the message says where it cut.
        config.buckets = ["low=0..0.5", "high=0.5..1"]
        config.bucketBy = nil
        config.quantileBuckets = true
        config.trainBucket = "low"
        let same = pairs.map { PreferencePair(prompt: $0.prompt, chosen: $0.chosen, rejected: $0.chosen + "!") }
        #expect { try PreferenceRun(config: config, pairs: same).run(reference: try PreferenceTrainingTests.model(seed: 9)) } throws: { e in
            let text = "\(e)"
            return text.contains("bucket 'low' (edit_distance quantiles low=0..0.5, cut on ") && text.contains(" training pairs at low [-inf, 1)) holds 0 training")
        }
    }

    @Test func defaultConfigsEncodeAsBefore() throws {
        let config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo))
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(!json.contains("bucketBy") && !json.contains("quantileBuckets"))
        var ches = config
        ches.bucketBy = .chesNormalised
        ches.quantileBuckets = true
        #expect(try JSONDecoder().decode(PreferenceRunConfig.self, from: try JSONEncoder().encode(ches)) == ches)
    }
}
