/// Token-level Levenshtein distance (insertions, deletions and substitutions each cost 1).
public enum EditDistance {
    /// Levenshtein distance between `a` and `b` in O(n·m) time and O(min(n, m)) memory.
    public static func levenshtein(_ a: [Int32], _ b: [Int32]) -> Int {
        // A shared prefix or suffix never needs an edit, so trimming it leaves the distance unchanged
        // and makes the typical pair (one differing span) nearly linear.
        let alignment = PairAlignment(a, b)
        let x = a[alignment.differingRangeA]
        let y = b[alignment.differingRangeB]
        let (long, short) = x.count >= y.count ? (x, y) : (y, x)
        if short.isEmpty { return long.count }

        // One row over the shorter sequence: row[j] = distance(long[..<i], short[..<j]).
        var row = Array(0...short.count)
        for (i, t) in long.enumerated() {
            var diagonal = row[0]
            row[0] = i + 1
            for (j, s) in short.enumerated() {
                let above = row[j + 1]
                row[j + 1] = t == s ? diagonal : 1 + min(diagonal, above, row[j])
                diagonal = above
            }
        }
        return row[short.count]
    }

    /// Levenshtein distance divided by the longer length, in [0, 1]; 0 when both are empty.
    public static func normalised(_ a: [Int32], _ b: [Int32]) -> Double {
        normalise(levenshtein(a, b), a.count, b.count)
    }

    /// `distance` divided by the longer of two lengths; 0 when both are empty.
    public static func normalise(_ distance: Int, _ countA: Int, _ countB: Int) -> Double {
        let n = max(countA, countB)
        return n == 0 ? 0 : Double(distance) / Double(n)
    }
}
