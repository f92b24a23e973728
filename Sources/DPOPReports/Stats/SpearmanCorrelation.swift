/// Spearman's rank correlation: Pearson's correlation of the two variables' ranks, ties given their
/// average rank (as scipy.stats.spearmanr does).
public enum SpearmanCorrelation {
    /// ρ of `x` and `y` (same length); nil with fewer than 3 values or when either is constant.
    public static func rho(_ x: [Double], _ y: [Double]) -> Double? {
        precondition(x.count == y.count, "Spearman needs paired values, got \(x.count) and \(y.count)")
        guard x.count >= 3 else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// Average ranks, 1-based: tied values share the mean of the ranks they span.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            let rank = Double(start + 1 + end) / 2 // mean of start+1 … end
            for k in start..<end { ranks[order[k]] = rank }
            start = end
        }
        return ranks
    }

    /// Pearson's correlation; nil when either variable has no spread.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }
}
