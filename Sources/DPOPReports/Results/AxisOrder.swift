import Foundation

/// Orders axes and their values the way the spec lists them, so tables read `low, high` rather than
/// alphabetically; numbers sort numerically.
///
/// The reports layer cannot expand the spec, so it uses the spec text itself: an axis ranks by where
/// `axis:` first appears in it, a value by where it first appears (as a whole word) after its axis.
public struct AxisOrder: Sendable {
    public let specText: String

    public init(specText: String) { self.specText = specText }

    /// `names` in spec order; `seed` last (it is pooled, not shown), names the spec lacks alphabetically after.
    public func axes<S: Sequence>(_ names: S) -> [String] where S.Element == String {
        Set(names).sorted { a, b in
            if (a == "seed") != (b == "seed") { return b == "seed" }
            let pa = keyPosition(a), pb = keyPosition(b)
            if pa != pb { return (pa ?? .max) < (pb ?? .max) }
            return a < b
        }
    }

    /// The values of `axis` in spec order (numerically when all are numbers).
    public func values<S: Sequence>(_ values: S, of axis: String) -> [String] where S.Element == String {
        let distinct = Set(values)
        if distinct.allSatisfy({ Double($0) != nil }) {
            return distinct.sorted { Double($0)! < Double($1)! }
        }
        let start = keyPosition(axis) ?? 0
        let positions = Dictionary(uniqueKeysWithValues: distinct.map { ($0, wordPosition($0, from: start)) })
        return distinct.sorted { a, b in
            let pa = positions[a]!, pb = positions[b]!
            if pa != pb { return (pa ?? .max) < (pb ?? .max) }
            return a < b
        }
    }

    /// Character offset of the first `axis:` key in the spec's `grid:` block (else anywhere in it).
    func keyPosition(_ axis: String) -> Int? {
        let pattern = "(?<![\\w.-])" + NSRegularExpression.escapedPattern(for: axis) + "\\s*:"
        if let grid = firstMatch("(?m)^grid\\s*:", from: 0), let p = firstMatch(pattern, from: grid) { return p }
        return firstMatch(pattern, from: 0)
    }

    func wordPosition(_ word: String, from start: Int) -> Int? {
        firstMatch("(?<![\\w.-])" + NSRegularExpression.escapedPattern(for: word) + "(?![\\w.-])", from: start)
    }

    private func firstMatch(_ pattern: String, from start: Int) -> Int? {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let text = specText as NSString
        guard start <= text.length else { return nil }
        let match = regex.firstMatch(in: specText, range: NSRange(location: start, length: text.length - start))
        return match.map { $0.range.location }
    }
}
