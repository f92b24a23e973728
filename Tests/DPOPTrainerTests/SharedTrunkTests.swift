import Testing
@testable import DPOPTrainer

/// The shared-trunk row layout: every scored target sees exactly its own sequence's prefix.
struct SharedTrunkTests {
    /// The tokens and positions logit row `row` can attend to under `layout`'s segment mask.
    static func context(_ layout: RowLayout, row: Int) -> ([Int32], [Int32]) {
        let seg = layout.segments.first { $0.start <= row && row < $0.end }!
        let visible = Array(seg.parent) + Array(seg.start...row)
        return (visible.map { layout.tokens[$0] }, visible.map { layout.positions[$0] })
    }

    /// Each sequence's targets, in order, with the context each sees, equal the separate layout's.
    static func expectSameTargets(_ c: TrainingSequence, _ r: TrainingSequence) {
        let shared = RowLayout.sharedTrunk(chosen: c, rejected: r)
        for (index, s) in [c, r].enumerated() {
            let mine = shared.targets.filter { $0.sequence == index }
            let alone = RowLayout.single(s).targets
            #expect(mine.count == alone.count)
            for (a, b) in zip(mine, alone) {
                #expect(a.token == b.token)
                let (tokens, positions) = context(shared, row: a.row)
                #expect(tokens == Array(s.tokens[0...b.row]))
                #expect(positions == (0...b.row).map { Int32($0) })
            }
        }
    }

    @Test func commonPrefixShared() {
        let c = TrainingSequence(tokens: [1, 2, 3, 4, 5, 6, 0], firstTarget: 2)
        let r = TrainingSequence(tokens: [1, 2, 3, 4, 9, 6, 7, 0], firstTarget: 2)
        let layout = RowLayout.sharedTrunk(chosen: c, rejected: r)
        #expect(layout.segments.count == 3)
        #expect(layout.segments[0].end == 4)
        #expect(layout.count == 4 + 2 + 3)
        Self.expectSameTargets(c, r)
    }

    @Test func noCommonCompletionPrefix() {
        Self.expectSameTargets(TrainingSequence(tokens: [1, 2, 5, 6, 0], firstTarget: 2),
                               TrainingSequence(tokens: [1, 2, 7, 0], firstTarget: 2))
    }

    @Test func identicalUpToEndOfText() {
        let c = TrainingSequence(tokens: [1, 2, 5, 6, 0], firstTarget: 2)
        let layout = RowLayout.sharedTrunk(chosen: c, rejected: c)
        // Tails are just end-of-text: both final targets come from the trunk's last row, no tail segments.
        #expect(layout.segments.count == 1)
        #expect(layout.targets.filter { $0.row == layout.count - 1 }.count == 2)
        Self.expectSameTargets(c, c)
    }

    @Test func arithPairsOfEveryCorruption() throws {
        for mode in ArithCorruption.allCases {
            let pairs = try ArithTask.generate(ArithTaskConfig(count: 10, corruption: ArithCorruptionMix(only: mode), seed: 3))
            for p in pairs {
                let prepared = PreparedPair(p, buckets: nil)
                Self.expectSameTargets(prepared.chosen, prepared.rejected)
            }
        }
    }
}
