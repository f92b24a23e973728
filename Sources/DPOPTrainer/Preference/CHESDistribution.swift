import Foundation

/// The distribution of CHES and length-normalised CHES over a set of pairs under one model, and how they
/// rank against edit distance (`dpop data stats FILE --model DIR`).
public struct CHESDistribution: Sendable {
    /// Count, mean, standard deviation, extremes and quantiles of some values.
    public struct Summary: Equatable, Sendable {
        public var count: Int
        public var mean: Double
        /// Sample standard deviation (n − 1); 0 for fewer than 2 values.
        public var sd: Double
        public var min: Double
        public var max: Double
        /// The 5, 25, 50, 75 and 95 % quantiles, linearly interpolated between order statistics (R's type 7).
        public var quantiles: [(p: Double, value: Double)]

        public static let levels = [0.05, 0.25, 0.5, 0.75, 0.95]

        /// Summarises `values` (all 0 when empty).
        public init(_ values: [Double]) {
            let sorted = values.sorted()
            let n = sorted.count
            count = n
            mean = n == 0 ? 0 : sorted.reduce(0, +) / Double(n)
            let m = mean
            sd = n < 2 ? 0 : (sorted.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
            min = sorted.first ?? 0
            max = sorted.last ?? 0
            quantiles = Self.levels.map { p in (p, Self.quantile(p, sorted: sorted)) }
        }

        /// Type-7 quantile of sorted values: `sorted[h]` interpolated at h = p·(n − 1).
        public static func quantile(_ p: Double, sorted: [Double]) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let h = p * Double(sorted.count - 1)
            let lo = Int(h.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
            return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        }

        public static func == (a: Summary, b: Summary) -> Bool {
            a.count == b.count && a.mean == b.mean && a.sd == b.sd && a.min == b.min && a.max == b.max
                && a.quantiles.map(\.value) == b.quantiles.map(\.value)
        }
    }

    /// Counts of real values in `bins` equal-width bins from the smallest value to the largest.
    public struct Histogram: Equatable, Sendable {
        /// One bin `[lo, hi)` (the last includes `hi`) and its count.
        public struct Bin: Equatable, Sendable {
            public var lo: Double
            public var hi: Double
            public var count: Int
        }

        public var bins: [Bin]

        /// Bins `values`; no values give no bins, equal values one.
        public init(_ values: [Double], bins count: Int = 12) {
            guard let lo = values.min(), let hi = values.max() else {
                bins = []
                return
            }
            guard hi > lo else {
                bins = [Bin(lo: lo, hi: hi, count: values.count)]
                return
            }
            let width = (hi - lo) / Double(count)
            var counts = [Int](repeating: 0, count: count)
            for v in values { counts[Swift.min(count - 1, Int((v - lo) / width))] += 1 }
            bins = counts.enumerated().map { i, c in
                Bin(lo: lo + Double(i) * width, hi: i == count - 1 ? hi : lo + Double(i + 1) * width, count: c)
            }
        }
    }

    /// Every pair's CHES, in the pairs' order.
    public let scores: [PairCHES]
    /// Every pair's edit distance and normalised edit distance, in the model's tokens.
    public let editDistances: [Int]
    public let normalisedEditDistances: [Double]
    public let ches: Summary
    public let normalised: Summary
    public let chesHistogram: Histogram
    public let normalisedHistogram: Histogram
    /// Spearman's ρ between edit distance and CHES, and between normalised edit distance and normalised CHES;
    /// nil when either side is constant.
    public let spearmanEditDistance: Double?
    public let spearmanNormalised: Double?
    /// Seconds the forward passes took.
    public let seconds: Double

    /// Scores `pairs` under `model` (tokenized by its `tokenizer`) and summarises them.
    public init(model: GPTModel, pairs: [PreferencePair], tokenizer: any Tokenizer) {
        let prepared = pairs.map { PreparedPair($0, buckets: nil, tokenizer: tokenizer) }
        let start = Date()
        let scores = CHESScorer.score(model, prepared)
        self.init(scores: scores, editDistances: prepared.map(\.editDistance),
                  normalisedEditDistances: prepared.map(\.normalisedEditDistance), seconds: Date().timeIntervalSince(start))
    }

    /// Summarises scores computed elsewhere.
    public init(scores: [PairCHES], editDistances: [Int], normalisedEditDistances: [Double], seconds: Double = 0) {
        self.scores = scores
        self.editDistances = editDistances
        self.normalisedEditDistances = normalisedEditDistances
        self.seconds = seconds
        ches = Summary(scores.map(\.ches))
        normalised = Summary(scores.map(\.normalised))
        chesHistogram = Histogram(scores.map(\.ches))
        normalisedHistogram = Histogram(scores.map(\.normalised))
        spearmanEditDistance = RankCorrelation.spearman(editDistances.map(Double.init), scores.map(\.ches))
        spearmanNormalised = RankCorrelation.spearman(normalisedEditDistances, scores.map(\.normalised))
    }

    /// Every pair's `statistic`: CHES from `scored` (which must then be given), edit distances in `tokenizer`'s tokens.
    public static func values(_ statistic: PairStatistic, pairs: [PreferencePair], tokenizer: any Tokenizer,
                              scored: CHESDistribution?) -> [Double] {
        switch statistic {
        case .ches: return scored!.scores.map(\.ches)
        case .chesNormalised: return scored!.scores.map(\.normalised)
        case .editDistance, .normalisedEditDistance:
            return pairs.map { statistic.value(PreparedPair($0, buckets: nil, tokenizer: tokenizer), ches: nil) }
        }
    }

    /// A plain-text report in the style of `PairsStatistics.report`, bars `barWidth` characters at their longest.
    public func report(barWidth: Int = 40) -> String {
        func g(_ x: Double) -> String { String(format: "%.4g", x) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        func summary(_ s: Summary) -> String {
            "count \(s.count)  mean \(g(s.mean))  sd \(g(s.sd))  min \(g(s.min))  "
                + s.quantiles.map { "q\(Int(($0.p * 100).rounded())) \(g($0.value))" }.joined(separator: "  ") + "  max \(g(s.max))"
        }
        func chart(_ h: Histogram) -> [String] {
            let labels = h.bins.enumerated().map { i, b in
                "\(g(b.lo)) – \(g(b.hi))" + (i == h.bins.count - 1 ? "]" : ")")
            }.map { "[" + $0 }
            let lw = labels.map(\.count).max() ?? 0
            let cw = h.bins.map { String($0.count).count }.max() ?? 0
            let top = Swift.max(1, h.bins.map(\.count).max() ?? 1)
            return zip(labels, h.bins).map { label, bin in
                "  " + lpad(label, lw) + "  " + lpad(String(bin.count), cw) + " " + String(repeating: "█", count: (bin.count * barWidth + top - 1) / top)
            }
        }
        func rho(_ r: Double?) -> String { r.map { String(format: "%.3f", $0) } ?? "undefined (a side is constant)" }
        var lines: [String] = []
        lines.append("")
        lines.append(String(format: "CHES under the model (%d pairs, %.2f s):", scores.count, seconds))
        lines.append("ches: \(summary(ches))")
        lines += chart(chesHistogram)
        lines.append("ches_normalised: \(summary(normalised))")
        lines += chart(normalisedHistogram)
        lines.append("Spearman ρ(edit distance, ches) \(rho(spearmanEditDistance)); "
                     + "ρ(normalised edit distance, ches_normalised) \(rho(spearmanNormalised))")
        return lines.joined(separator: "\n") + "\n"
    }
}
