import Testing
@testable import DPOPTrainer

/// Packing (issue 13 item 2): several sequences per row, each attending to itself only, with its own
/// positions; scoring packed rows gives the padded batch's numbers.
@Suite struct PackingTests {
    static func sequences() throws -> [TrainingSequence] {
        let pairs = try PreferenceTrainingTests.pairs(9, mix: "step:0.5,resample:0.5")
        return pairs.flatMap { p -> [TrainingSequence] in let q = PreparedPair(p, buckets: nil); return [q.chosen, q.rejected] }
    }

    @Test func aPackedRowIsTheSequencesBackToBackEachItsOwnSegment() throws {
        let s = Array(try Self.sequences().prefix(3))
        let row = RowLayout.packed(s)
        #expect(row.tokens == s.flatMap { Array($0.tokens[0..<$0.positions]) })
        #expect(row.positions == s.flatMap { seq in (0..<seq.positions).map { Int32($0) } })
        var offset = 0
        for (i, seq) in s.enumerated() {
            #expect(row.segments[i] == RowLayout.Segment(start: offset, end: offset + seq.positions, parent: 0..<0))
            let mine = row.targets.filter { $0.sequence == i }
            #expect(mine.map(\.row) == RowLayout.single(seq).targets.map { $0.row + offset })
            #expect(mine.map(\.token) == RowLayout.single(seq).targets.map(\.token))
            offset += seq.positions
        }
    }

    @Test func packedScoringEqualsThePaddedBatch() throws {
        let s = try Self.sequences()
        let config = PreferenceTrainingTests.config
        // 3 rows of up to 2 · context positions a forward: the 18 sequences take several rows and forwards.
        let model = try GPTModel(config: config, maxBatch: 3, maxSequence: config.contextLength, maxRow: 2 * config.contextLength)
        model.initializeGPT2(seed: 9)
        let padded = SequenceScorer.score(model, s, keepTokens: true)
        let packed = SequenceScorer.scorePacked(model, s, keepTokens: true)
        #expect(packed.sums.count == s.count && packed.tokens.count == s.count)
        for i in s.indices {
            #expect(abs(packed.sums[i] - padded.sums[i]) <= max(1e-5, 1e-6 * abs(padded.sums[i])), "sequence \(i)")
            #expect(packed.tokens[i].count == padded.tokens[i].count)
            for (a, b) in zip(packed.tokens[i], padded.tokens[i]) { #expect(abs(a - b) <= 1e-5) }
        }
        let batch = SharedTrunkBatch(packing: s, maxRow: 2 * config.contextLength)
        #expect(batch.B < s.count, "the fixture must pack several sequences a row")
    }

    @Test func aSequencesPackedNumbersDoNotDependOnItsNeighbours() throws {
        let s = try Self.sequences()
        let config = PreferenceTrainingTests.config
        let model = try GPTModel(config: config, maxBatch: 4, maxSequence: config.contextLength, maxRow: 2 * config.contextLength)
        model.initializeGPT2(seed: 9)
        let together = SequenceScorer.scorePacked(model, s).sums
        let reversed = SequenceScorer.scorePacked(model, s.reversed()).sums.reversed()
        let alone = s.map { SequenceScorer.scorePacked(model, [$0]).sums[0] }
        #expect(together == Array(reversed))
        #expect(together == alone)
    }
}
