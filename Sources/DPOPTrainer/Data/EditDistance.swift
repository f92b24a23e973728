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

    /// The distance, or — when the differing spans are so long and so different that the exact figure
    /// would take more than `maxCells` table cells — a lower bound (`exact` false): the distance is then
    /// at least `distance`. Exact whenever the distance d is small: Ukkonen's band of width k costs
    /// O(k·n) and is tried with k doubling from the length difference, so the work is O(d·n), not O(n·m).
    public static func bounded(_ a: [Int32], _ b: [Int32], maxCells: Int) -> (distance: Int, exact: Bool) {
        let alignment = PairAlignment(a, b)
        let x = Array(a[alignment.differingRangeA]), y = Array(b[alignment.differingRangeB])
        let (long, short) = x.count >= y.count ? (x, y) : (y, x)
        if short.isEmpty { return (long.count, true) }
        let n = long.count, m = short.count
        // Cells a band of width k computes: about min(2k + 1, m) per row of the longer span.
        func cells(_ k: Int) -> Int {
            let (product, overflow) = n.multipliedReportingOverflow(by: min(2 * k + 1, m))
            return overflow ? .max : product
        }
        if cells(m) <= maxCells { return (levenshtein(long, short), true) }
        var atLeast = n - m
        var band = max(16, n - m)
        while cells(band) <= maxCells {
            if let d = banded(long, short, band: band) { return (d, true) }
            atLeast = band + 1
            band *= 2
        }
        return (atLeast, false)
    }

    /// Ukkonen's banded Levenshtein: the distance between `long` and `short` (long.count >= short.count)
    /// when it is at most `band`, else nil. A path leaving the band |i − j| <= band already costs more
    /// than `band`, so cells outside it count as `band + 1` without changing any distance within it.
    static func banded(_ long: [Int32], _ short: [Int32], band k: Int) -> Int? {
        let n = long.count, m = short.count
        if n - m > k { return nil }
        let outside = k + 1
        var row = [Int](repeating: outside, count: m + 1)
        for j in 0...min(m, k) { row[j] = j }
        for i in 1...n {
            let lo = max(1, i - k), hi = min(m, i + k)
            var diagonal = row[lo - 1]
            // D[i][lo − 1]: the first column (i deletions) when inside the band, else outside.
            var left = lo == 1 && i <= k ? i : outside
            row[lo - 1] = left
            let t = long[i - 1]
            for j in lo...hi {
                let above = row[j]
                let v = t == short[j - 1] ? diagonal : 1 + min(diagonal, above, left)
                diagonal = above
                left = min(v, outside)
                row[j] = left
            }
        }
        return row[m] <= k ? row[m] : nil
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
