/// "Did you mean" hints: the candidates closest to a misspelt name by edit distance.
enum Suggestion {
    /// The candidates at the smallest distance from `name`, if that distance is small enough to be a typo.
    static func closest(to name: String, among candidates: [String]) -> [String] {
        let a = Array(name.lowercased().unicodeScalars)
        // Up to a third of the length (1 for very short names, never more than 3) separates typos from other words.
        let limit = a.count <= 3 ? 1 : min(3, max(2, a.count / 3))
        var best = Int.max
        var found: [String] = []
        for c in candidates where !found.contains(c) {
            let d = distance(a, Array(c.lowercased().unicodeScalars))
            if d < best {
                best = d
                found = [c]
            } else if d == best {
                found.append(c)
            }
        }
        return best <= limit ? found : []
    }

    /// `did you mean 'x'?` (or `'x' or 'y'`), or nil if nothing is close.
    static func hint(for name: String, among candidates: [String]) -> String? {
        let found = closest(to: name, among: candidates)
        guard !found.isEmpty else { return nil }
        return "did you mean " + found.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }

    /// The did-you-mean hint, or else the list of valid names.
    static func hintOrList(for name: String, among candidates: [String], what: String) -> String {
        hint(for: name, among: candidates) ?? "\(what): " + candidates.joined(separator: ", ")
    }

    /// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions at cost 1,
    /// because swapped letters ("trian") are the commonest typo and should count as one.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
