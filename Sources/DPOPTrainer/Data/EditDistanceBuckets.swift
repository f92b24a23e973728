import Foundation

/// Named, non-overlapping ranges of edit distance, all over the absolute or all over the normalised distance.
///
/// A bucket is written `NAME=LO..HI`, both bounds inclusive:
/// - absolute distance (tokens): `low=0..3`, `mid=4..12`, `high=13..inf` — whole numbers ≥ 0;
/// - normalised distance (divided by the longer completion): prefix the name with `n:`, as in
///   `n:low=0..0.1`, `n:high=0.1000001..1` — numbers in [0, 1].
/// `inf` as the upper bound means "no upper bound". Names use letters, digits, `_`, `-` and `.`.
/// Gaps between buckets are allowed (a pair in a gap belongs to no bucket); overlaps are not.
public struct EditDistanceBuckets: Equatable, Sendable, CustomStringConvertible {
    /// Which distance a bucket's bounds refer to.
    public enum Scale: String, Equatable, Sendable, Codable {
        /// Levenshtein distance in tokens.
        case absolute
        /// Levenshtein distance divided by the longer completion's token count.
        case normalised
    }

    /// One named inclusive range `[lo, hi]`.
    public struct Bucket: Equatable, Sendable, CustomStringConvertible {
        /// Name used in metrics and reports.
        public let name: String
        /// Inclusive lower bound.
        public let lo: Double
        /// Inclusive upper bound; may be +infinity.
        public let hi: Double
        /// Which distance the bounds refer to.
        public let scale: Scale

        /// Creates a bucket; `parse` and `EditDistanceBuckets.init` check the bounds.
        public init(name: String, lo: Double, hi: Double, scale: Scale) {
            self.name = name
            self.lo = lo
            self.hi = hi
            self.scale = scale
        }

        /// Whether the distance on this bucket's scale lies in `[lo, hi]`.
        public func contains(distance: Int, normalised: Double) -> Bool {
            let d = scale == .absolute ? Double(distance) : normalised
            return d >= lo && d <= hi
        }

        /// The bucket in the syntax `parse` reads.
        public var description: String {
            func f(_ x: Double) -> String {
                if x == .infinity { return "inf" }
                if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
                return String(x)
            }
            return (scale == .normalised ? "n:" : "") + "\(name)=\(f(lo))..\(f(hi))"
        }

        /// Parses `NAME=LO..HI` or `n:NAME=LO..HI`; errors quote the text and say what is wrong.
        public static func parse(_ text: String) throws -> Bucket {
            func fail(_ why: String) -> DPOPError {
                .invalidConfiguration("edit-distance bucket '\(text)': \(why) (expected NAME=LO..HI, e.g. low=0..3, high=13..inf or n:low=0..0.1)")
            }
            var body = Substring(text.trimmingCharacters(in: .whitespaces))
            var scale = Scale.absolute
            if body.hasPrefix("n:") {
                scale = .normalised
                body = body.dropFirst(2)
            }
            guard let eq = body.firstIndex(of: "=") else { throw fail("no '='") }
            let name = String(body[..<eq])
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-."))
            guard !name.isEmpty else { throw fail("empty name") }
            guard name.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
                throw fail("name '\(name)' may use only letters, digits, '_', '-' and '.'")
            }
            let range = body[body.index(after: eq)...]
            guard let dots = range.range(of: "..") else { throw fail("no '..' between the bounds") }
            let loText = String(range[..<dots.lowerBound])
            let hiText = String(range[dots.upperBound...])
            func bound(_ s: String, _ which: String) throws -> Double {
                if which == "upper" && (s == "inf" || s == "+inf") { return .infinity }
                guard let v = Double(s), v.isFinite else { throw fail("\(which) bound '\(s)' is not a number") }
                guard v >= 0 else { throw fail("\(which) bound \(s) is negative") }
                if scale == .absolute && v != v.rounded() {
                    throw fail("\(which) bound \(s) is not a whole number; prefix the name with n: for normalised distances")
                }
                if scale == .normalised && v > 1 {
                    throw fail("\(which) bound \(s) is above 1, the largest normalised distance")
                }
                return v
            }
            let lo = try bound(loText, "lower")
            let hi = try bound(hiText, "upper")
            guard lo <= hi else { throw fail("lower bound \(loText) is above upper bound \(hiText)") }
            return Bucket(name: name, lo: lo, hi: hi, scale: scale)
        }
    }

    /// The buckets, ordered by lower bound.
    public let buckets: [Bucket]

    /// The scale all buckets share (`absolute` when there are none).
    public var scale: Scale { buckets.first?.scale ?? .absolute }

    /// Orders `buckets` by lower bound; throws on a shared name, mixed scales or overlapping ranges.
    public init(_ buckets: [Bucket]) throws {
        var seen: Set<String> = []
        for b in buckets where !seen.insert(b.name).inserted {
            throw DPOPError.invalidConfiguration("edit-distance bucket name '\(b.name)' is used twice")
        }
        if let a = buckets.first, let b = buckets.first(where: { $0.scale != a.scale }) {
            throw DPOPError.invalidConfiguration(
                "edit-distance buckets '\(a)' and '\(b)' mix absolute and normalised distances; use one kind")
        }
        let sorted = buckets.enumerated().sorted { ($0.element.lo, $0.offset) < ($1.element.lo, $1.offset) }.map(\.element)
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.lo <= a.hi {
            throw DPOPError.invalidConfiguration("edit-distance buckets '\(a)' and '\(b)' overlap")
        }
        self.buckets = sorted
    }

    /// Parses each of `specs` with `Bucket.parse` and checks them together.
    public init(parsing specs: [String]) throws {
        try self.init(specs.map(Bucket.parse))
    }

    /// Name of the first bucket containing the distance (absolute or normalised, as the buckets' scale says), or nil.
    public func bucket(for distance: Int, normalised: Double) -> String? {
        buckets.first { $0.contains(distance: distance, normalised: normalised) }?.name
    }

    /// The buckets in `parse` syntax, comma-separated.
    public var description: String { buckets.map(\.description).joined(separator: ",") }
}
