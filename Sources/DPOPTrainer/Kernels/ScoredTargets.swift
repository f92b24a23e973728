/// The scored targets of a batch of packed rows, flattened: which logit row predicts which token for
/// which output sequence ("slot") with what weight, and the (at most two) targets of each logit row.
///
/// Targets are kept in the rows' order, each row's ordered by sequence then by the token's index in
/// its sequence (`RowLayout.targets`), so a slot's log-prob sums its tokens in the order of the
/// separate-sequence path.
public struct ScoredTargets: Sendable {
    /// Rows and positions of the padded batch.
    public private(set) var B: Int
    public private(set) var T: Int
    /// Logit row (b·T + t) of each target, (K).
    public private(set) var row: [Int]
    /// Predicted token of each target, (K).
    public private(set) var token: [Int32]
    /// Output sequence each target counts towards, (K), in 0..<slotCount.
    public private(set) var slot: [Int]
    /// Weight of each target in its slot's sum, (K).
    public var weight: [Float]
    /// Number of output sequences.
    public private(set) var slotCount: Int
    /// First and second target index of each logit row, −1 for none, (B·T).
    public private(set) var first: [Int32]
    public private(set) var second: [Int32]

    /// Number of targets.
    public var count: Int { row.count }

    /// The targets of `layouts` padded to T positions; `slots[b][s]` is the output sequence of row b's
    /// local sequence s.
    public init(_ layouts: [RowLayout], slots: [[Int]], T: Int) {
        precondition(layouts.count == slots.count, "\(slots.count) slot lists for \(layouts.count) rows")
        B = layouts.count
        self.T = T
        row = []; token = []; slot = []; weight = []
        first = [Int32](repeating: -1, count: B * T)
        second = first
        for (b, layout) in layouts.enumerated() {
            precondition(layout.count <= T, "a row of \(layout.count) positions exceeds \(T)")
            for t in layout.targets {
                let r = b * T + t.row, k = Int32(row.count)
                if first[r] < 0 { first[r] = k } else {
                    precondition(second[r] < 0, "logit row \(t.row) scores more than two targets")
                    second[r] = k
                }
                row.append(r)
                token.append(t.token)
                slot.append(slots[b][t.sequence])
                weight.append(t.weight)
            }
        }
        slotCount = (slots.flatMap { $0 }.max() ?? -1) + 1
    }

    /// Multiplies by `factor` the weights of slot `slot`'s targets from its `from`-th on (its completion's
    /// positions from `from`: LD-DPO's tail weighting, like `SequenceBatch.weighTargets`).
    public mutating func weigh(slot s: Int, from: Int, by factor: Float) {
        var k = 0
        for i in 0..<count where slot[i] == s {
            if k >= from { weight[i] *= factor }
            k += 1
        }
    }

    /// The row ranges the head runs on: for each row, from its first to its last scored logit row, cut
    /// into pieces of at most `chunkRows` counted from that first row, so a chunk depends on its row only.
    public func chunks(chunkRows R: Int, segments: [[Range<Int>]]? = nil) -> [Range<Int>] {
        var chunks: [Range<Int>] = []
        for b in 0..<B {
            let base = b * T
            // Chunks never span two segments when they are given: a scored row's logits then come from a
            // product of its own segment's rows only.
            for segment in segments?[b] ?? [0..<T] {
                guard let lo = segment.first(where: { first[base + $0] >= 0 }) else { continue }
                let hi = segment.last(where: { first[base + $0] >= 0 })!
                var start = lo
                while start <= hi {
                    let end = min(hi + 1, start + R)
                    chunks.append((base + start)..<(base + end))
                    start = end
                }
            }
        }
        return chunks
    }
}
