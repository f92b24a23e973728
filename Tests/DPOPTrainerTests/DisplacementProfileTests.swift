import Testing
@testable import DPOPTrainer

/// The per-token profile around the first difference: offsets, per-offset counts, identical pairs left out.
struct DisplacementProfileTests {
    @Test func offsetsCountOnlyTheTokensThatExistAndIdenticalPairsAreLeftOut() {
        // Pair A: chosen [1 2 3 9], rejected [1 2 4 9]: first difference at index 2.
        let a = DisplacementProfile.Tokens(
            firstDifference: PairAlignment([1, 2, 3, 9], [1, 2, 4, 9]).firstDifference,
            policyChosen: [-1, -2, -3, -4], referenceChosen: [-1, -1, -1, -1],
            policyRejected: [0, 0, -5, 0], referenceRejected: [0, 0, -1, 0])
        // Pair B: first difference at index 0, one token shorter on the rejected side.
        let b = DisplacementProfile.Tokens(
            firstDifference: PairAlignment([5, 6], [7]).firstDifference,
            policyChosen: [-2, -2], referenceChosen: [-1, -1],
            policyRejected: [-3], referenceRejected: [-1])
        // Pair C: identical completions, must not count anywhere.
        let c = DisplacementProfile.Tokens(
            firstDifference: PairAlignment([1, 2], [1, 2]).firstDifference,
            policyChosen: [-100, -100], referenceChosen: [0, 0], policyRejected: [-100, -100], referenceRejected: [0, 0])
        #expect(c.firstDifference == nil)
        let profile = DisplacementProfile(radius: 2, pairs: [a, b, c])
        #expect(profile.offsets == [-2, -1, 0, 1, 2])
        // Offsets −2, −1: only A reaches (Δ 0 and −1); 0: A −2 and B −1 → −1.5; +1: A −3, B −1 → −2; +2: none.
        #expect(profile.chosenCounts == [1, 1, 2, 2, 0])
        #expect(profile.chosen == [0, -1, -1.5, -2, nil])
        #expect(profile.rejectedCounts == [1, 1, 2, 1, 0])
        #expect(profile.rejected == [0, 0, -3, 0, nil])
    }

    @Test func aDifferenceOnlyInLengthStartsWhereTheShorterEnds() {
        #expect(PairAlignment([1, 2, 3], [1, 2]).firstDifference == 2)
        #expect(PairAlignment([], [4]).firstDifference == 0)
    }
}
