import Testing
@testable import DPOPTrainer

/// Statistics of pair sets and their text report.
@Suite struct PairsStatisticsTests {
    let pairs = [
        PreferencePair(prompt: "Q", chosen: "abc", rejected: "abd", metadata: ["mode": "step"]),
        PreferencePair(prompt: "QQ", chosen: "abc", rejected: "xyzw", metadata: ["mode": "resample"]),
        PreferencePair(prompt: "", chosen: "a", rejected: "b", metadata: ["mode": "step"]),
    ]

    @Test func summariesAndBuckets() throws {
        let b = try EditDistanceBuckets(parsing: ["low=0..1", "high=4..inf"])
        let s = PairsStatistics(pairs: pairs, buckets: b)
        #expect(s.pairCount == 3)
        #expect(s.promptTokens == PairsStatistics.Summary([1, 2, 0]))
        #expect(s.chosenTokens.max == 4 && s.rejectedTokens.max == 5)
        #expect(s.longestSequence == 7)
        #expect(s.editDistance == PairsStatistics.Summary([1, 4, 1]))
        #expect(s.normalisedEditDistance.max == 4.0 / 5.0)
        #expect(s.buckets.map(\.count) == [2, 1])
        #expect(s.buckets.map(\.name) == ["low", "high"])
        #expect(s.modes.map(\.mode) == ["resample", "step"])
        #expect(s.modes.map(\.count) == [1, 2])
        #expect(s.modes[1].editDistance.mean == 1)

        let gap = PairsStatistics(pairs: pairs, buckets: try EditDistanceBuckets(parsing: ["mid=2..3"]))
        #expect(gap.buckets == [.init(name: "mid", definition: "mid=2..3", count: 0), .init(name: nil, definition: nil, count: 3)])
        #expect(PairsStatistics(pairs: pairs).buckets.isEmpty)
        #expect(PairsStatistics(pairs: [PreferencePair(prompt: "", chosen: "a", rejected: "b")]).modes.isEmpty)
    }

    /// A pair too long and too different to compute exactly is counted at a lower bound, and the report says so.
    @Test func aHugeDifferentPairIsReportedAsALowerBound() {
        var rng = SplitMix64(seed: 1)
        func text(_ n: Int) -> String { String((0..<n).map { _ in Character(Unicode.Scalar(UInt8(97 + rng.next() % 26))) }) }
        let a = text(50_000), b = text(50_000)
        let s = PairsStatistics(pairs: [PreferencePair(prompt: "Q", chosen: a, rejected: b)] + pairs)
        #expect(s.inexactEditDistances == 1)
        #expect(s.report().contains("(1 of 4 pairs differ too much over too long a span to compute exactly"))
        #expect(!PairsStatistics(pairs: pairs).report().contains("lower bound"))
    }

    @Test func histogramBinning() {
        let h = PairsStatistics.Histogram([3, 3, 4, 7])
        #expect(h.width == 1 && h.bins.first == .init(lo: 3, hi: 3, count: 2) && h.bins.count == 5)
        let wide = PairsStatistics.Histogram(Array(0...100))
        #expect(wide.width == 10 && wide.bins.count == 11 && wide.bins.last == .init(lo: 100, hi: 109, count: 1))
        let mid = PairsStatistics.Histogram([12, 40])
        #expect(mid.width == 2 && mid.bins.first?.lo == 12 && mid.bins.count == 15)
        #expect(PairsStatistics.Histogram([]).bins.isEmpty)
        #expect(PairsStatistics.Histogram([5, 5]).bins == [.init(lo: 5, hi: 5, count: 2)])
    }

    @Test func report() throws {
        let text = PairsStatistics(pairs: pairs, buckets: try EditDistanceBuckets(parsing: ["low=0..1"])).report(barWidth: 10)
        #expect(text.contains("pairs: 3\n"))
        #expect(text.contains("edit distance (tokens): min 1  mean 2.0  max 4\n"))
        #expect(text.contains("  1  2 ██████████\n"))
        #expect(text.contains("  4  1 █████\n"))
        #expect(text.contains("  low=0..1        2\n  (in no bucket)  1\n"))
        #expect(text.contains("  resample  1  edit distance min 4  mean 4.0  max 4"))
        #expect(PairsStatistics(pairs: []).report() == "pairs: 0\n")
    }
}
