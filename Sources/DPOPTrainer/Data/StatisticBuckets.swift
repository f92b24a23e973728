import Foundation

/// Named ranges of one pair statistic (`PairStatistic`), with bounds either absolute values or quantiles
/// of the training split's values.
///
/// Absolute buckets are `[lo, hi]`, both inclusive, as edit-distance buckets are; `lo` may be `-inf`
/// (CHES is often negative) and `hi` `inf`. Quantile buckets have bounds in [0, 1] and are half-open
/// `[lo, hi)` on the training values' cut points, except that a bucket ending at 1 includes the largest
/// value: `low: [0, 0.5], high: [0.5, 1]` then puts every pair in exactly one bucket. Cut point 0 is −∞
/// and cut point 1 is +∞, so eval pairs outside the training range still land in the outer buckets.
/// Written like edit-distance buckets, `NAME=LO..HI`.
public struct StatisticBuckets: Equatable, Sendable, CustomStringConvertible {
    /// One named range, in the units of the statistic or as quantiles.
    public struct Bucket: Equatable, Sendable, CustomStringConvertible {
        /// Name used in metrics and reports.
        public let name: String
        /// Lower bound (a value, or a quantile in [0, 1]).
        public let lo: Double
        /// Upper bound (a value, possibly +∞, or a quantile in [0, 1]).
        public let hi: Double

        /// Creates a bucket; `StatisticBuckets.init` checks the bounds.
        public init(name: String, lo: Double, hi: Double) {
            self.name = name
            self.lo = lo
            self.hi = hi
        }

        /// `NAME=LO..HI`, the syntax `parse` reads.
        public var description: String { "\(name)=\(StatisticBuckets.format(lo))..\(StatisticBuckets.format(hi))" }

        /// Parses `NAME=LO..HI` (`LO` may be `-inf`, `HI` `inf`); the bounds are checked by `StatisticBuckets.init`.
        public static func parse(_ text: String) throws -> Bucket {
            func fail(_ why: String) -> DPOPError {
                .invalidConfiguration("bucket '\(text)': \(why) (expected NAME=LO..HI, e.g. low=0..0.5 or high=-2.5..inf)")
            }
            let body = text.trimmingCharacters(in: .whitespaces)
            guard let eq = body.firstIndex(of: "=") else { throw fail("no '='") }
            let name = String(body[..<eq])
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-."))
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
                throw fail("name '\(name)' must be non-empty and use only letters, digits, '_', '-' and '.'")
            }
            let range = body[body.index(after: eq)...]
            // The first ".." after the first character: a lower bound may itself start with '-'.
            guard let dots = range.dropFirst().range(of: "..") else { throw fail("no '..' between the bounds") }
            func bound(_ s: String, _ which: String) throws -> Double {
                switch s {
                case "inf", "+inf": return .infinity
                case "-inf": return -.infinity
                default:
                    guard let v = Double(s), v.isFinite else { throw fail("\(which) bound '\(s)' is not a number") }
                    return v
                }
            }
            return Bucket(name: name, lo: try bound(String(range[..<dots.lowerBound]), "lower"),
                          hi: try bound(String(range[dots.upperBound...]), "upper"))
        }
    }

    /// Buckets whose quantile bounds have been turned into values of the statistic.
    public struct Resolved: Equatable, Sendable, CustomStringConvertible {
        /// One bucket's range of values: `[lo, hi]` when `hiInclusive`, else `[lo, hi)`.
        public struct Range: Equatable, Sendable, CustomStringConvertible {
            public let name: String
            public let lo: Double
            public let hi: Double
            public let hiInclusive: Bool

            /// Whether `value` lies in the range.
            public func contains(_ value: Double) -> Bool {
                value >= lo && (hiInclusive ? value <= hi : value < hi)
            }

            /// `name [lo, hi]` or `name [lo, hi)` with the values.
            public var description: String {
                "\(name) [\(StatisticBuckets.format(lo)), \(StatisticBuckets.format(hi))\(hiInclusive ? "]" : ")")"
            }
        }

        /// The ranges, ordered as the buckets.
        public let ranges: [Range]

        /// Name of the first bucket whose range contains `value`, or nil (a gap, or NaN).
        public func bucket(for value: Double) -> String? {
            ranges.first { $0.contains(value) }?.name
        }

        /// The range of the bucket `name`, if defined.
        public func range(of name: String) -> Range? { ranges.first { $0.name == name } }

        /// The ranges, comma-separated.
        public var description: String { ranges.map(\.description).joined(separator: ", ") }
    }

    /// The statistic the bounds refer to.
    public let statistic: PairStatistic
    /// Whether the bounds are quantiles of the training split's values.
    public let quantile: Bool
    /// The buckets, ordered by lower bound.
    public let buckets: [Bucket]

    /// Orders `buckets` by lower bound; throws on a shared name, bounds the statistic or quantiles cannot
    /// have (quantiles outside [0, 1]; negative or fractional edit distances; normalised distances above 1),
    /// an empty range or an overlap.
    public init(statistic: PairStatistic, quantile: Bool, buckets: [Bucket]) throws {
        func fail(_ b: Bucket, _ why: String) -> DPOPError {
            .invalidConfiguration("\(statistic.rawValue)\(quantile ? " quantile" : "") bucket '\(b)': \(why)")
        }
        var seen: Set<String> = []
        for b in buckets {
            guard seen.insert(b.name).inserted else { throw DPOPError.invalidConfiguration("bucket name '\(b.name)' is used twice") }
            guard !b.lo.isNaN, !b.hi.isNaN else { throw fail(b, "a bound is not a number") }
            if quantile {
                guard b.lo >= 0, b.hi <= 1 else { throw fail(b, "quantile bounds lie in [0, 1]") }
                guard b.lo < b.hi else { throw fail(b, "the lower quantile must be below the upper one ([lo, hi) would be empty)") }
                continue
            }
            guard b.lo <= b.hi else { throw fail(b, "lower bound is above upper bound") }
            switch statistic {
            case .editDistance:
                guard b.lo >= 0 else { throw fail(b, "edit distances are >= 0") }
                guard b.lo == b.lo.rounded(), b.hi == .infinity || b.hi == b.hi.rounded() else {
                    throw fail(b, "edit distances are whole numbers of tokens")
                }
            case .normalisedEditDistance:
                guard b.lo >= 0, b.hi <= 1 else { throw fail(b, "normalised edit distances lie in [0, 1]") }
            case .ches, .chesNormalised:
                break
            }
        }
        let sorted = buckets.enumerated().sorted { ($0.element.lo, $0.offset) < ($1.element.lo, $1.offset) }.map(\.element)
        // Quantile buckets are half-open, so one may start where the previous ends.
        for (a, b) in zip(sorted, sorted.dropFirst()) where quantile ? b.lo < a.hi : b.lo <= a.hi {
            throw DPOPError.invalidConfiguration("buckets '\(a)' and '\(b)' overlap"
                + (quantile ? "" : " (absolute bounds are inclusive at both ends)"))
        }
        self.statistic = statistic
        self.quantile = quantile
        self.buckets = sorted
    }

    /// Parses each of `specs` with `Bucket.parse` and checks them together.
    public init(parsing specs: [String], statistic: PairStatistic, quantile: Bool) throws {
        try self.init(statistic: statistic, quantile: quantile, buckets: specs.map(Bucket.parse))
    }

    /// The value below which (about) a share `q` of `sorted` lies: −∞ for q = 0, +∞ for q = 1, else
    /// `sorted[⌈q·n⌉]` (clamped to the last). With distinct values exactly ⌈q·n⌉ of them lie below it; tied
    /// values all fall on one side, so a bucket's share can differ from its quantile width, never double count.
    public static func cutPoint(_ q: Double, sorted: [Double]) -> Double {
        if q <= 0 { return -.infinity }
        if q >= 1 { return .infinity }
        precondition(!sorted.isEmpty, "quantile cut points need values")
        // The tolerance keeps 0.3 · 10 = 3.0000000000000004 at index 3.
        let k = Int((q * Double(sorted.count) - 1e-9).rounded(.up))
        return sorted[min(max(k, 0), sorted.count - 1)]
    }

    /// The value ranges: absolute buckets as written, quantile buckets cut at `training`'s quantiles
    /// (the training split's values; unused for absolute buckets). Throws when quantile buckets get no values.
    public func resolve(training: [Double]) throws -> Resolved {
        guard quantile else {
            return Resolved(ranges: buckets.map { .init(name: $0.name, lo: $0.lo, hi: $0.hi, hiInclusive: true) })
        }
        let sorted = training.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else {
            throw DPOPError.usage("quantile buckets of \(statistic.rawValue) need training pairs to cut at, and there are none")
        }
        return Resolved(ranges: buckets.map { b in
            .init(name: b.name, lo: Self.cutPoint(b.lo, sorted: sorted), hi: Self.cutPoint(b.hi, sorted: sorted), hiInclusive: b.hi >= 1)
        })
    }

    /// The buckets in `parse` syntax, comma-separated.
    public var description: String { buckets.map(\.description).joined(separator: ",") }

    /// How many of `values` each bucket holds (quantiles cut on `values` themselves), as `dpop data stats`
    /// prints it: one line per bucket with its definition and value range, then the values in none.
    public func sizeReport(values: [Double]) throws -> String {
        let resolved = try resolve(training: values)
        var counts = [Int](repeating: 0, count: buckets.count)
        var none = 0
        for v in values {
            if let i = resolved.ranges.firstIndex(where: { $0.contains(v) }) { counts[i] += 1 } else { none += 1 }
        }
        var lines = ["", "\(statistic.rawValue) buckets\(quantile ? " (quantiles of these \(values.count) pairs)" : ""):"]
        let labels = zip(buckets, resolved.ranges).map { b, r in quantile ? "\(b)  \(r)" : b.description }
        let w = labels.map(\.count).max() ?? 0
        for (label, n) in zip(labels, counts) { lines.append("  " + label + String(repeating: " ", count: w - label.count) + "  \(n)") }
        if none > 0 { lines.append("  (in no bucket)" + String(repeating: " ", count: max(0, w - 13)) + "  \(none)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A bound as written: `inf`, `-inf`, a whole number without a point, else the shortest round-trip form.
    static func format(_ x: Double) -> String {
        if x == .infinity { return "inf" }
        if x == -.infinity { return "-inf" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
        return String(x)
    }
}
