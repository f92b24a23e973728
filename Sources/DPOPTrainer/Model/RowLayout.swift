/// One packed model row: segments of input tokens, each attending to a parent token range and itself,
/// with per-token position ids and the logit rows that score a target of some sequence.
///
/// For a preference pair the row is `[trunk | chosen tail | rejected tail]`: the trunk is the prompt plus
/// the longest common prefix of the two sequences' tokens, each tail sees the trunk and itself only, the
/// rejected tail's positions restart at the trunk's length, and the trunk's last position predicts the
/// first token of both tails (two targets from one logit row).
public struct RowLayout: Equatable, Sendable {
    /// A contiguous run of input positions `start..<end` that attends causally to itself and fully to
    /// the positions `parent` (an earlier range of the same row; empty for the trunk).
    public struct Segment: Equatable, Sendable {
        public var start: Int
        public var end: Int
        public var parent: Range<Int>
    }

    /// One scored prediction: the logit row `row` predicts `token`, and counts towards `sequence`
    /// (0 = chosen, 1 = rejected of the row's pair) with `weight`.
    public struct Target: Equatable, Sendable {
        public var row: Int
        public var token: Int32
        public var sequence: Int
        public var weight: Float
    }

    /// Input token ids, (T).
    public var tokens: [Int32]
    /// Position id of each input token, (T).
    public var positions: [Int32]
    public var segments: [Segment]
    /// Scored targets, ordered by sequence then by the token's index in its sequence, so a sequence's
    /// log-prob sums in the same order as the separate path.
    public var targets: [Target]

    /// Number of input positions.
    public var count: Int { tokens.count }

    /// The row laid out for one sequence alone: one segment, positions 0..<n, scored like `SequenceBatch`.
    public static func single(_ s: TrainingSequence, sequence: Int = 0) -> RowLayout {
        let n = s.positions
        let targets = (s.firstTarget - 1..<n).map {
            Target(row: $0, token: s.tokens[$0 + 1], sequence: sequence, weight: 1)
        }
        return RowLayout(tokens: Array(s.tokens[0..<n]), positions: (0..<n).map { Int32($0) },
                         segments: [Segment(start: 0, end: n, parent: 0..<0)], targets: targets)
    }

    /// The shared-trunk row of a pair whose two sequences share their prompt (`firstTarget`): it occupies
    /// `trunk + (chosen.positions − trunk + 1) + (rejected.positions − trunk + 1)` positions.
    public static func sharedTrunk(chosen: TrainingSequence, rejected: TrainingSequence) -> RowLayout {
        precondition(chosen.firstTarget == rejected.firstTarget, "a pair's sequences share the prompt")
        let c = chosen.tokens, r = rejected.tokens
        // Longest common prefix of the full token lists, at least the prompt (which is common by
        // construction); the trunk reads tokens[0..<p] where each sequence still has a token after it,
        // so both tails keep at least one target (identical completions end in end-of-text: tail = [eot]).
        var common = 0
        while common < c.count && common < r.count && c[common] == r[common] { common += 1 }
        let trunk = max(1, min(common, c.count - 1, r.count - 1))
        var tokens = Array(c[0..<trunk])
        var positions = (0..<trunk).map { Int32($0) }
        var segments = [Segment(start: 0, end: trunk, parent: 0..<0)]
        var targets: [Target] = []
        for (index, s) in [c, r].enumerated() {
            let seq = index == 0 ? chosen : rejected
            // Targets inside the trunk: logit row t predicts s[t + 1] for t + 1 ≤ trunk − 1.
            for t in max(0, seq.firstTarget - 1)..<(trunk - 1) {
                targets.append(Target(row: t, token: s[t + 1], sequence: index, weight: 1))
            }
            // The trunk's last row predicts the tail's first token.
            if trunk >= seq.firstTarget {
                targets.append(Target(row: trunk - 1, token: s[trunk], sequence: index, weight: 1))
            }
            // The tail reads s[trunk..<count − 1] at positions trunk..., predicting s[trunk + 1...].
            let start = tokens.count
            for k in trunk..<(s.count - 1) {
                let row = tokens.count
                tokens.append(s[k])
                positions.append(Int32(k))
                if k + 1 >= seq.firstTarget {
                    targets.append(Target(row: row, token: s[k + 1], sequence: index, weight: 1))
                }
            }
            if tokens.count > start { segments.append(Segment(start: start, end: tokens.count, parent: 0..<trunk)) }
        }
        return RowLayout(tokens: tokens, positions: positions, segments: segments, targets: targets)
    }

    /// Several sequences back to back in one row (packing): each is its own segment attending causally to
    /// itself only, with positions from 0, scored like `single`; local sequence i is `sequences[i]`.
    public static func packed(_ sequences: [TrainingSequence]) -> RowLayout {
        var row = RowLayout(tokens: [], positions: [], segments: [], targets: [])
        for (i, s) in sequences.enumerated() {
            let one = RowLayout.single(s, sequence: i), offset = row.tokens.count
            row.tokens += one.tokens
            row.positions += one.positions
            row.segments.append(Segment(start: offset, end: offset + one.count, parent: 0..<0))
            row.targets += one.targets.map { var t = $0; t.row += offset; return t }
        }
        return row
    }
}
