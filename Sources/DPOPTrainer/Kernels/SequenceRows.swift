/// Where the sequences of a padded (B, T) batch lie among its B·T rows, and the row blocks the
/// forward products are cut into.
///
/// OpenBLAS's result for a row depends on how many rows share its sgemm call and where the row sits
/// in it, so a product cut by the batch's row count made a sequence's log-prob depend on its
/// neighbours (issue 11). Here each sequence's real positions are cut into blocks of at most
/// `blockRows` counted from the sequence's own first row: a row's block, and so its floats, depend on
/// its own sequence only. Rows at or past a sequence's length are padding: never scored, and set to
/// a fixed value rather than computed (so nothing stale, nothing NaN, reaches the backward's 0·x).
public struct SequenceRows: Sendable {
    /// Most rows of one product call: a sequence up to this long is one call.
    public static let blockRows = 128

    public private(set) var B: Int
    public private(set) var T: Int
    /// Real positions of each sequence, in 0...T.
    public private(set) var lengths: [Int]
    /// Row ranges of real positions, one product call each, in row order.
    public private(set) var blocks: [Range<Int>]

    /// B sequences of T rows each, none padded (`lengths` nil), or of the given lengths.
    public init(B: Int, T: Int, lengths: [Int]? = nil) {
        self.B = 0
        self.T = 0
        self.lengths = []
        blocks = []
        if let lengths {
            precondition(lengths.count == B, "\(lengths.count) lengths for \(B) sequences")
            lengths.map { Int32($0) }.withUnsafeBufferPointer { set(B: B, T: T, lengths: $0.baseAddress!) }
        } else {
            set(B: B, T: T, lengths: nil)
        }
    }

    /// Refills in place, reusing the storage; `lengths` nil means every sequence is T long.
    public mutating func set(B: Int, T: Int, lengths: UnsafePointer<Int32>?) {
        precondition(B >= 1 && T >= 1, "SequenceRows needs B, T ≥ 1, got (\(B), \(T))")
        self.B = B
        self.T = T
        self.lengths.removeAll(keepingCapacity: true)
        blocks.removeAll(keepingCapacity: true)
        for b in 0..<B {
            let n = lengths.map { Int($0[b]) } ?? T
            precondition(n >= 0 && n <= T, "sequence \(b) is \(n) positions long, outside 0...\(T)")
            self.lengths.append(n)
            var start = 0
            while start < n {
                let count = min(Self.blockRows, n - start)
                blocks.append((b * T + start)..<(b * T + start + count))
                start += count
            }
        }
    }

    /// Re-cuts the product blocks at segment starts: `segments[b]` are row b's position ranges in order,
    /// covering its real positions. Each block then counts from its own segment's first row, so a packed
    /// sequence's floats do not depend on the sequences beside it in the row.
    public mutating func cutBlocks(atSegments segments: [[Range<Int>]]) {
        precondition(segments.count == B, "\(segments.count) segment lists for \(B) rows")
        blocks.removeAll(keepingCapacity: true)
        for b in 0..<B {
            for segment in segments[b] {
                var start = segment.lowerBound
                while start < segment.upperBound {
                    let count = min(Self.blockRows, segment.upperBound - start)
                    blocks.append((b * T + start)..<(b * T + start + count))
                    start += count
                }
            }
        }
    }

    /// B·T, the rows of the padded batch.
    public var rowCount: Int { B * T }

    /// Whether some sequence is shorter than T.
    public var hasPadding: Bool { lengths.contains { $0 < T } }

    /// Padding rows of sequence `b`.
    @inline(__always)
    public func padding(_ b: Int) -> Range<Int> { (b * T + lengths[b])..<((b + 1) * T) }
}
