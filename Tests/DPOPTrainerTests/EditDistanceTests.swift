import Testing
@testable import DPOPTrainer

/// Levenshtein distance against a brute-force reference, alignment spans, and bucket parsing.
@Suite struct EditDistanceTests {
    /// The textbook recursion, exponential but obviously right.
    func reference(_ a: ArraySlice<Int32>, _ b: ArraySlice<Int32>) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let cost = a.first == b.first ? 0 : 1
        return min(reference(a.dropFirst(), b) + 1,
                   reference(a, b.dropFirst()) + 1,
                   reference(a.dropFirst(), b.dropFirst()) + cost)
    }

    /// Ukkonen's band gives the exact distance whenever it fits the band, and nil otherwise.
    @Test func bandedMatchesTheFullTableWithinItsBandAndRefusesBeyond() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<400 {
            let n = Int(rng.next() % 40), m = Int(rng.next() % 40)
            let alphabet = UInt64(1 + rng.next() % 4)
            let a = (0..<n).map { _ in Int32(rng.next() % alphabet) }
            let b = (0..<m).map { _ in Int32(rng.next() % alphabet) }
            let d = EditDistance.levenshtein(a, b)
            let (long, short) = a.count >= b.count ? (a, b) : (b, a)
            guard !short.isEmpty else { continue }
            for band in [0, 1, 2, 5, 40] {
                #expect(EditDistance.banded(long, short, band: band) == (d <= band ? d : nil), "\(a) vs \(b), band \(band)")
            }
            // With room for the whole table, bounded is exact; with almost none, a true lower bound.
            #expect(EditDistance.bounded(a, b, maxCells: 10_000) == (d, true))
            let tight = EditDistance.bounded(a, b, maxCells: 30)
            #expect(tight.exact ? tight.distance == d : tight.distance <= d, "\(a) vs \(b): \(tight) vs \(d)")
        }
    }

    /// `data stats` on long answers: 200,000-token completions that differ in a few places are exact and fast
    /// (the band, not the 4·10¹⁰-cell table); ones that differ everywhere get a lower bound, not minutes of work.
    @Test func longAnswersAreBandedOrBounded() {
        var rng = SplitMix64(seed: 5)
        let a = (0..<200_000).map { _ in Int32(rng.next() % 200) }
        var b = a
        for i in stride(from: 1_000, to: 200_000, by: 40_000) { b[i] = 255 }   // 5 substitutions
        b.remove(at: 150_000)                                                      // and a deletion
        #expect(EditDistance.bounded(a, b, maxCells: PairsStatistics.editDistanceCells) == (6, true))
        let c = (0..<200_000).map { _ in Int32(rng.next() % 200) }
        let far = EditDistance.bounded(a, c, maxCells: PairsStatistics.editDistanceCells)
        #expect(!far.exact && far.distance > 16 && far.distance < 200_000)
    }

    @Test func matchesBruteForceOnRandomSmallArrays() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<600 {
            let n = Int(rng.next() % 7), m = Int(rng.next() % 7)
            let alphabet = UInt64(1 + rng.next() % 3)
            let a = (0..<n).map { _ in Int32(rng.next() % alphabet) }
            let b = (0..<m).map { _ in Int32(rng.next() % alphabet) }
            let d = EditDistance.levenshtein(a, b)
            #expect(d == reference(a[...], b[...]), "\(a) vs \(b)")
            #expect(d == EditDistance.levenshtein(b, a))
            let expected = max(n, m) == 0 ? 0 : Double(d) / Double(max(n, m))
            #expect(EditDistance.normalised(a, b) == expected)
        }
    }

    @Test func knownDistances() {
        func enc(_ s: String) -> [Int32] { ByteTokenizer.encode(s) }
        #expect(EditDistance.levenshtein(enc("kitten"), enc("sitting")) == 3)
        #expect(EditDistance.levenshtein(enc(" 3*25=75. 17+75=92."), enc(" 3*25=76. 17+75=92.")) == 1)
        #expect(EditDistance.levenshtein([], [1, 2, 3]) == 3)
        #expect(EditDistance.normalised([], []) == 0)
        #expect(EditDistance.normalised([1, 2], [3, 4]) == 1)
        // Long sequences with one differing token stay cheap thanks to the prefix/suffix trim.
        let long = (0..<20_000).map { Int32($0 % 250) }
        var other = long
        other[10_000] = 255
        #expect(EditDistance.levenshtein(long, other) == 1)
    }

    @Test func alignmentSpans() {
        let a = PairAlignment([1, 2, 3, 4, 5], [1, 2, 9, 9, 5])
        #expect(a.commonPrefix == 2 && a.commonSuffix == 1)
        #expect(a.differingRangeA == 2..<4 && a.differingRangeB == 2..<4)
        // The suffix never reuses prefix tokens.
        let b = PairAlignment([1, 2, 1], [1, 2, 2, 1])
        #expect(b.commonPrefix == 2 && b.commonSuffix == 1)
        #expect(b.differingRangeA == 2..<2 && b.differingRangeB == 2..<3)
        let same = PairAlignment([7, 7], [7, 7])
        #expect(same.commonPrefix == 2 && same.commonSuffix == 0 && same.differingRangeA.isEmpty)
        let empty = PairAlignment([], [3])
        #expect(empty.commonPrefix == 0 && empty.commonSuffix == 0 && empty.differingRangeB == 0..<1)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let x = (0..<Int(rng.next() % 8)).map { _ in Int32(rng.next() % 2) }
            let y = (0..<Int(rng.next() % 8)).map { _ in Int32(rng.next() % 2) }
            let al = PairAlignment(x, y)
            #expect(al.commonPrefix + al.commonSuffix <= min(x.count, y.count))
            #expect(x[..<al.commonPrefix] == y[..<al.commonPrefix])
            #expect(x.suffix(al.commonSuffix) == y.suffix(al.commonSuffix))
            #expect(al.differingRangeA.count + al.commonPrefix + al.commonSuffix == x.count)
        }
    }

    @Test func bucketsParseAndLookUp() throws {
        let b = try EditDistanceBuckets(parsing: ["high=13..inf", "low=1..3", "mid=4..12"])
        #expect(b.buckets.map(\.name) == ["low", "mid", "high"])
        #expect(b.bucket(for: 0, normalised: 0) == nil)
        #expect(b.bucket(for: 1, normalised: 0.9) == "low")
        #expect(b.bucket(for: 3, normalised: 0) == "low")
        #expect(b.bucket(for: 4, normalised: 0) == "mid")
        #expect(b.bucket(for: 13, normalised: 0) == "high")
        #expect(b.bucket(for: 1_000_000, normalised: 0) == "high")
        #expect(b.description == "low=1..3,mid=4..12,high=13..inf")
        #expect(try EditDistanceBuckets(parsing: b.buckets.map(\.description)) == b)

        let n = try EditDistanceBuckets(parsing: ["n:low=0..0.1", "n:high=0.5..inf"])
        #expect(n.scale == .normalised)
        #expect(n.bucket(for: 100, normalised: 0.1) == "low")
        #expect(n.bucket(for: 0, normalised: 0.3) == nil)
        #expect(n.bucket(for: 0, normalised: 1) == "high")
        #expect(try EditDistanceBuckets([]).bucket(for: 1, normalised: 0) == nil)
    }

    @Test func bucketErrors() {
        let bad: [([String], String)] = [
            (["low=1..3", "mid=3..5"], "overlap"),
            (["a=0..inf", "b=100..200"], "overlap"),
            (["low=1..3", "low=5..6"], "twice"),
            (["low=1..3", "n:high=0.5..1"], "mix"),
            (["low=3..1"], "above upper"),
            (["low=1.5..3"], "whole number"),
            (["n:low=0..2"], "above 1"),
            (["low=-1..3"], "negative"),
            (["low=a..3"], "not a number"),
            (["low=inf..3"], "not a number"),
            (["low:1..3"], "no '='"),
            (["low=1-3"], "no '..'"),
            (["=1..3"], "empty name"),
            (["lo w=1..3"], "letters"),
        ]
        for (specs, why) in bad {
            do {
                _ = try EditDistanceBuckets(parsing: specs)
                Issue.record("\(specs) should be rejected")
            } catch {
                #expect("\(error)".contains(why), "\(specs): \(error)")
            }
        }
    }
}
