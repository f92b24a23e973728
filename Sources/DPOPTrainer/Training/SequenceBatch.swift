/// Reusable (B, T) buffers of inputs, targets and mask, filled from training sequences without
/// allocating: T is the longest sequence of the batch, shorter rows are padded and masked, and each
/// row's length goes to the model, which keeps a row's numbers independent of T and of the other rows.
public struct SequenceBatch {
    public let maxBatch: Int
    public let maxSequence: Int
    public private(set) var inputs: [Int32]
    public private(set) var targets: [Int32]
    public private(set) var mask: [Float]
    /// Real positions of each row, (B).
    public private(set) var lengths: [Int32]
    /// Rows and positions of the current fill.
    public private(set) var B = 0
    public private(set) var T = 0

    /// Id written past a row's length: any valid id does (those positions are masked and beyond the
    /// row's length, so the model never reads them into a real row); 0 exists in every vocabulary.
    static let padding: Int32 = 0

    public init(maxBatch: Int, maxSequence: Int) {
        self.maxBatch = maxBatch
        self.maxSequence = maxSequence
        inputs = [Int32](repeating: 0, count: maxBatch * maxSequence)
        targets = inputs
        mask = [Float](repeating: 0, count: maxBatch * maxSequence)
        lengths = [Int32](repeating: 0, count: maxBatch)
    }

    /// Lays `sequences` out as rows; every sequence must fit in `maxSequence` positions.
    public mutating func fill<C: Collection>(_ sequences: C) where C.Element == TrainingSequence {
        B = sequences.count
        precondition(B >= 1 && B <= maxBatch, "batch of \(B) rows exceeds \(maxBatch)")
        T = sequences.reduce(1) { max($0, $1.positions) }
        precondition(T <= maxSequence, "a sequence of \(T) positions exceeds \(maxSequence)")
        let T = self.T
        for (b, s) in sequences.enumerated() { lengths[b] = Int32(s.positions) }
        inputs.withUnsafeMutableBufferPointer { inp in
            targets.withUnsafeMutableBufferPointer { tgt in
                mask.withUnsafeMutableBufferPointer { msk in
                    for (b, s) in sequences.enumerated() {
                        let n = s.positions
                        for t in 0..<T {
                            let i = b * T + t
                            if t < n {
                                inp[i] = s.tokens[t]
                                tgt[i] = s.tokens[t + 1]
                                msk[i] = t + 1 >= s.firstTarget ? 1 : 0
                            } else {
                                inp[i] = Self.padding
                                tgt[i] = Self.padding
                                msk[i] = 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Scales the mask of row `row` (filled from `sequence`) by `weight` on the completion's targets from
    /// completion position `from` on, so the row's summed log-prob counts them `weight` times and the
    /// backward pass gives each of them `weight` times the row's gradient (LD-DPO's tail weighting).
    public mutating func weighTargets(row: Int, of sequence: TrainingSequence, from: Int, weight: Float) {
        let T = self.T
        guard from < sequence.targetCount else { return }
        // Completion position k is target tokens[firstTarget + k], predicted at position firstTarget + k − 1.
        for k in from..<sequence.targetCount { mask[row * T + sequence.firstTarget + k - 1] *= weight }
    }

    /// Runs the model's forward on the current fill.
    public func forward(_ model: GPTModel) {
        inputs.withUnsafeBufferPointer { inp in
            targets.withUnsafeBufferPointer { tgt in
                mask.withUnsafeBufferPointer { msk in
                    lengths.withUnsafeBufferPointer { len in
                        model.forward(tokens: inp.baseAddress!, targets: tgt.baseAddress!, mask: msk.baseAddress!,
                                      lengths: len.baseAddress!, B: B, T: T)
                    }
                }
            }
        }
    }
}
