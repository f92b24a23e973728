import Foundation

/// Counts, lengths and edit distances of a set of preference pairs, with a plain-text report (`dpop data stats`).
public struct PairsStatistics: Sendable {
    /// Minimum, mean and maximum of some values (all 0 when there are none).
    public struct Summary: Equatable, Sendable {
        /// Number of values.
        public var count: Int
        /// Smallest value.
        public var min: Double
        /// Arithmetic mean.
        public var mean: Double
        /// Largest value.
        public var max: Double

        /// Summarises `values`.
        public init<S: Sequence>(_ values: S) where S.Element == Double {
            var n = 0, lo = Double.infinity, hi = -Double.infinity, sum = 0.0
            for v in values {
                n += 1
                sum += v
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
            }
            count = n
            min = n == 0 ? 0 : lo
            max = n == 0 ? 0 : hi
            mean = n == 0 ? 0 : sum / Double(n)
        }
    }

    /// Counts of whole-number values in equal-width bins `[lo, lo + width − 1]`.
    public struct Histogram: Equatable, Sendable {
        /// One bin: its inclusive range and how many values fall in it.
        public struct Bin: Equatable, Sendable {
            /// Smallest value of the bin.
            public var lo: Int
            /// Largest value of the bin.
            public var hi: Int
            /// Number of values in the bin.
            public var count: Int
        }

        /// Width of every bin: the smallest of 1, 2, 5, 10, 20, 50, … giving at most `maxBins` bins.
        public var width: Int
        /// The bins from the smallest value to the largest, empty ones included.
        public var bins: [Bin]

        /// Bins `values`; no values give no bins.
        public init(_ values: [Int], maxBins: Int = 16) {
            guard let lo = values.min(), let hi = values.max() else {
                width = 1
                bins = []
                return
            }
            var w = 1
            var steps = [1, 2, 5].makeIterator()
            var scale = 1
            while true {
                guard let s = steps.next() else {
                    steps = [1, 2, 5].makeIterator()
                    scale *= 10
                    continue
                }
                w = s * scale
                let first = Self.floorDiv(lo, w) * w
                if (hi - first) / w + 1 <= maxBins { break }
            }
            width = w
            let first = Self.floorDiv(lo, w) * w
            var counts = Array(repeating: 0, count: (hi - first) / w + 1)
            for v in values { counts[(v - first) / w] += 1 }
            bins = counts.enumerated().map { Bin(lo: first + $0.offset * w, hi: first + ($0.offset + 1) * w - 1, count: $0.element) }
        }

        private static func floorDiv(_ a: Int, _ b: Int) -> Int {
            a >= 0 ? a / b : -((-a + b - 1) / b)
        }
    }

    /// Size of one edit-distance bucket.
    public struct BucketCount: Equatable, Sendable {
        /// Bucket name, or nil for pairs in no bucket.
        public var name: String?
        /// The bucket as written (`low=1..3`), or nil for pairs in no bucket.
        public var definition: String?
        /// Number of pairs.
        public var count: Int
    }

    /// Pairs and edit distances of one value of the `mode` metadata key.
    public struct ModeStatistics: Equatable, Sendable {
        /// The `mode` value.
        public var mode: String
        /// Number of pairs with it.
        public var count: Int
        /// Their token edit distances.
        public var editDistance: Summary
        /// Their normalised edit distances.
        public var normalisedEditDistance: Summary
    }

    /// Number of pairs.
    public let pairCount: Int
    /// Prompt lengths in tokens.
    public let promptTokens: Summary
    /// Chosen completion lengths in tokens, end-of-text included.
    public let chosenTokens: Summary
    /// Rejected completion lengths in tokens, end-of-text included.
    public let rejectedTokens: Summary
    /// Longest prompt + completion + end-of-text, the context a model needs for every pair.
    public let longestSequence: Int
    /// Completion lengths (chosen and rejected together) in tokens.
    public let completionLengthHistogram: Histogram
    /// Token edit distance between chosen and rejected.
    public let editDistance: Summary
    /// Edit distance divided by the longer completion.
    public let normalisedEditDistance: Summary
    /// Token edit distances binned.
    public let editDistanceHistogram: Histogram
    /// Pairs whose edit distance was not computed exactly (see `editDistanceCells`): counted at a lower bound.
    public let inexactEditDistances: Int
    /// Most dynamic-programming cells spent on one pair's edit distance (Ukkonen's band, doubled until the
    /// distance fits): past it a pair counts at a lower bound, so answers of hundreds of kilobytes that
    /// differ everywhere take a fraction of a second each instead of minutes. Small distances stay exact
    /// at any length.
    public static let editDistanceCells = 20_000_000
    /// Sizes of the given buckets in their order, then the pairs in none (if any); empty without buckets.
    public let buckets: [BucketCount]
    /// Per `mode` metadata value, sorted by mode; empty when no pair has a `mode`.
    public let modes: [ModeStatistics]

    /// Computes the statistics of `pairs` in tokens of `tokenizer` (the model's), sizing `buckets` if given.
    public init(pairs: [PreferencePair], buckets: EditDistanceBuckets? = nil, tokenizer: any Tokenizer = ByteTokenizer()) {
        pairCount = pairs.count
        var distances: [Int] = []
        var normalised: [Double] = []
        var chosenLengths: [Int] = []
        var rejectedLengths: [Int] = []
        var longest = 0
        var inexact = 0
        var promptLengths: [Int] = []
        for p in pairs {
            let (prompt, c, r) = p.tokens(tokenizer)
            promptLengths.append(prompt.count)
            let (d, exact) = EditDistance.bounded(c, r, maxCells: Self.editDistanceCells)
            if !exact { inexact += 1 }
            distances.append(d)
            normalised.append(EditDistance.normalise(d, c.count, r.count))
            chosenLengths.append(c.count)
            rejectedLengths.append(r.count)
            longest = max(longest, prompt.count + max(c.count, r.count))
        }
        promptTokens = Summary(promptLengths.map(Double.init))
        chosenTokens = Summary(chosenLengths.map(Double.init))
        rejectedTokens = Summary(rejectedLengths.map(Double.init))
        longestSequence = longest
        inexactEditDistances = inexact
        completionLengthHistogram = Histogram(chosenLengths + rejectedLengths)
        editDistance = Summary(distances.map(Double.init))
        normalisedEditDistance = Summary(normalised)
        editDistanceHistogram = Histogram(distances)

        if let buckets {
            var counts = Array(repeating: 0, count: buckets.buckets.count)
            var none = 0
            for (d, n) in zip(distances, normalised) {
                if let i = buckets.buckets.firstIndex(where: { $0.contains(distance: d, normalised: n) }) {
                    counts[i] += 1
                } else {
                    none += 1
                }
            }
            var rows = zip(buckets.buckets, counts).map { BucketCount(name: $0.name, definition: $0.description, count: $1) }
            if none > 0 { rows.append(BucketCount(name: nil, definition: nil, count: none)) }
            self.buckets = rows
        } else {
            self.buckets = []
        }

        var byMode: [String: [Int]] = [:]
        for (i, p) in pairs.enumerated() {
            if let m = p.metadata["mode"] { byMode[m, default: []].append(i) }
        }
        modes = byMode.keys.sorted().map { m in
            let idx = byMode[m]!
            return ModeStatistics(mode: m, count: idx.count,
                                  editDistance: Summary(idx.map { Double(distances[$0]) }),
                                  normalisedEditDistance: Summary(idx.map { normalised[$0] }))
        }
    }

    /// A plain-text report with bar charts `barWidth` characters wide at their longest.
    public func report(barWidth: Int = 40) -> String {
        func f1(_ x: Double) -> String { String(format: "%.1f", x) }
        func f3(_ x: Double) -> String { String(format: "%.3f", x) }
        func tokens(_ s: Summary) -> String { "min \(Int(s.min))  mean \(f1(s.mean))  max \(Int(s.max))" }
        func fractions(_ s: Summary) -> String { "min \(f3(s.min))  mean \(f3(s.mean))  max \(f3(s.max))" }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        func chart(_ h: Histogram) -> [String] {
            let labels = h.bins.map { $0.lo == $0.hi ? "\($0.lo)" : "\($0.lo)-\($0.hi)" }
            let labelWidth = labels.map(\.count).max() ?? 0
            let countWidth = h.bins.map { String($0.count).count }.max() ?? 0
            let top = max(1, h.bins.map(\.count).max() ?? 1)
            return zip(labels, h.bins).map { label, bin in
                // Round up so that a non-empty bin always shows at least one block.
                let n = (bin.count * barWidth + top - 1) / top
                return "  " + lpad(label, labelWidth) + "  " + lpad(String(bin.count), countWidth) + " " + String(repeating: "█", count: n)
            }
        }

        var lines: [String] = []
        lines.append("pairs: \(pairCount)")
        guard pairCount > 0 else { return lines.joined(separator: "\n") + "\n" }
        lines.append("prompt tokens: \(tokens(promptTokens))")
        lines.append("chosen tokens (with end-of-text): \(tokens(chosenTokens))")
        lines.append("rejected tokens (with end-of-text): \(tokens(rejectedTokens))")
        lines.append("longest prompt + completion: \(longestSequence) tokens")
        lines.append("")
        lines.append("completion length (tokens, chosen and rejected):")
        lines += chart(completionLengthHistogram)
        lines.append("")
        lines.append("edit distance (tokens): \(tokens(editDistance))")
        lines.append("normalised edit distance: \(fractions(normalisedEditDistance))")
        if inexactEditDistances > 0 {
            lines.append("  (\(inexactEditDistances) of \(pairCount) pairs differ too much over too long a span to compute exactly "
                + "within \(Self.editDistanceCells) table cells: each counts at a lower bound (its distance is at least that), "
                + "so the figures, the chart and the buckets are lower bounds for them)")
        }
        lines += chart(editDistanceHistogram)
        if !buckets.isEmpty {
            lines.append("")
            lines.append("edit-distance buckets:")
            let labels = buckets.map { $0.definition ?? "(in no bucket)" }
            let w = labels.map(\.count).max() ?? 0
            for (label, b) in zip(labels, buckets) {
                lines.append("  " + pad(label, w) + "  " + String(b.count))
            }
        }
        if !modes.isEmpty {
            lines.append("")
            lines.append("modes:")
            let w = modes.map(\.mode.count).max() ?? 0
            let cw = modes.map { String($0.count).count }.max() ?? 0
            for m in modes {
                lines.append("  " + pad(m.mode, w) + "  " + lpad(String(m.count), cw)
                    + "  edit distance \(tokens(m.editDistance))  normalised mean \(f3(m.normalisedEditDistance.mean))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
