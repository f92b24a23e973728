/// B packed rows (`RowLayout`) padded to the longest, T: tokens, position ids, segments and scored
/// targets, what `GPTModel.forward(_:)` runs. Each row's local sequences map to output slots, so a
/// batch can mix shared-trunk pair rows with rows of one sequence (a pair too long to share a row).
public struct SharedTrunkBatch: Sendable {
    public let B: Int
    public let T: Int
    /// Input tokens and position ids, (B, T); padding has token 0 at position 0 (never read by a real row).
    public let tokens: [Int32]
    public let positions: [Int32]
    /// Real positions of each row, (B).
    public let lengths: [Int32]
    public let segments: [[RowLayout.Segment]]
    public var targets: ScoredTargets

    /// `layouts` as rows; `slots[b][s]` is the output slot of row b's local sequence s.
    public init(_ layouts: [RowLayout], slots: [[Int]]) {
        precondition(!layouts.isEmpty, "a batch needs at least one row")
        B = layouts.count
        let T = layouts.map(\.count).max()!
        self.T = T
        var tokens = [Int32](repeating: 0, count: B * T), positions = tokens
        for (b, l) in layouts.enumerated() {
            for t in 0..<l.count {
                tokens[b * T + t] = l.tokens[t]
                positions[b * T + t] = l.positions[t]
            }
        }
        self.tokens = tokens
        self.positions = positions
        lengths = layouts.map { Int32($0.count) }
        segments = layouts.map(\.segments)
        targets = ScoredTargets(layouts, slots: slots, T: T)
    }

    /// Pair i's chosen sequence in slot 2i and its rejected one in slot 2i + 1: one shared-trunk row per
    /// pair, or two rows of one sequence each when the shared row is longer than `maxSequence`.
    public init<Pairs: Collection>(pairs: Pairs, maxSequence: Int)
        where Pairs.Element == (chosen: TrainingSequence, rejected: TrainingSequence) {
        var layouts: [RowLayout] = [], slots: [[Int]] = []
        for (i, p) in pairs.enumerated() {
            let shared = RowLayout.sharedTrunk(chosen: p.chosen, rejected: p.rejected)
            if shared.count <= maxSequence {
                layouts.append(shared)
                slots.append([2 * i, 2 * i + 1])
            } else {
                layouts.append(.single(p.chosen))
                slots.append([2 * i])
                layouts.append(.single(p.rejected))
                slots.append([2 * i + 1])
            }
        }
        self.init(layouts, slots: slots)
    }

    /// Whether a sequence of `positions` starts a new packed row after a row of `length` positions: the one
    /// greedy rule of `init(packing:)`, shared with callers that size their batches by it.
    public static func startsRow(length: Int, adding positions: Int, maxRow: Int) -> Bool {
        length + positions > maxRow
    }

    /// Sequence i alone in row i, slot i: the plain batch's rows with the packed path's kernels.
    public init<Sequences: Collection>(sequences: Sequences) where Sequences.Element == TrainingSequence {
        let layouts = sequences.map { RowLayout.single($0) }
        self.init(layouts, slots: layouts.indices.map { [$0] })
    }

    /// `sequences` packed in order into rows of at most `maxRow` positions (a row takes the next sequence while
    /// it fits), sequence i in slot i: no row pays for padding to another's length, only the last of each row's
    /// positions to the longest row.
    public init<Sequences: Collection>(packing sequences: Sequences, maxRow: Int) where Sequences.Element == TrainingSequence {
        var layouts: [RowLayout] = [], slots: [[Int]] = []
        var current: [TrainingSequence] = [], currentSlots: [Int] = [], length = 0
        for (i, s) in sequences.enumerated() {
            precondition(s.positions <= maxRow, "a sequence of \(s.positions) positions exceeds the row limit \(maxRow)")
            if Self.startsRow(length: length, adding: s.positions, maxRow: maxRow), !current.isEmpty {
                layouts.append(.packed(current))
                slots.append(currentSlots)
                current = []; currentSlots = []; length = 0
            }
            current.append(s)
            currentSlots.append(i)
            length += s.positions
        }
        if !current.isEmpty {
            layouts.append(.packed(current))
            slots.append(currentSlots)
        }
        self.init(layouts, slots: slots)
    }
}
