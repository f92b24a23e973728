/// Where two token sequences agree: their common prefix, their common suffix, and the differing span between in each.
///
/// The suffix is measured on what is left after the prefix, so the two never overlap: for
/// `[1, 2, 1]` against `[1, 2, 2, 1]` the prefix is 2, the suffix 1, and the differing spans are
/// `2..<2` (empty) and `2..<3`.
public struct PairAlignment: Equatable, Sendable {
    /// Number of leading tokens the two sequences share.
    public let commonPrefix: Int
    /// Number of trailing tokens they share beyond the common prefix.
    public let commonSuffix: Int
    /// Tokens of the first sequence between the common prefix and the common suffix.
    public let differingRangeA: Range<Int>
    /// Tokens of the second sequence between the common prefix and the common suffix.
    public let differingRangeB: Range<Int>

    /// Aligns `a` and `b` (for a pair, conventionally chosen then rejected).
    public init(_ a: [Int32], _ b: [Int32]) {
        let limit = min(a.count, b.count)
        var p = 0
        while p < limit && a[p] == b[p] { p += 1 }
        var s = 0
        while s < limit - p && a[a.count - 1 - s] == b[b.count - 1 - s] { s += 1 }
        commonPrefix = p
        commonSuffix = s
        differingRangeA = p..<(a.count - s)
        differingRangeB = p..<(b.count - s)
    }
}
