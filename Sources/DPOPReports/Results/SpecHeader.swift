import Foundation

/// The `name:` and `description:` of a spec, read line by line (the reports layer has no YAML parser).
///
/// Handles top-level plain, quoted and block (`|`, `>`) scalars, which is how specs write these two
/// keys; anything fancier (anchors, flow mappings) yields nil and the report falls back to the folder name.
public struct SpecHeader: Equatable, Sendable {
    public var name: String?
    public var description: String?

    public init(name: String? = nil, description: String? = nil) {
        self.name = name
        self.description = description
    }

    /// Reads the two keys from spec text.
    public init(yaml: String) {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        name = Self.topLevelScalar("name", in: lines)
        description = Self.topLevelScalar("description", in: lines)
    }

    static func topLevelScalar(_ key: String, in lines: [String]) -> String? {
        guard let index = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) else { return nil }
        var rest = String(lines[index].dropFirst(key.count + 1)).trimmingCharacters(in: .whitespaces)
        if let block = rest.first, block == "|" || block == ">" {
            // Block scalar: the following more-indented lines; `>` folds them into one paragraph.
            var body: [String] = []
            for line in lines[(index + 1)...] {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { body.append(""); continue }
                guard line.first == " " || line.first == "\t" else { break }
                body.append(line.trimmingCharacters(in: .whitespaces))
            }
            while body.last == "" { body.removeLast() }
            let text = block == "|" ? body.joined(separator: "\n")
                : body.split(separator: "", omittingEmptySubsequences: false).map { $0.joined(separator: " ") }.joined(separator: "\n")
            return text.isEmpty ? nil : text
        }
        if rest.hasPrefix("\"") || rest.hasPrefix("'") {
            let quote = rest.removeFirst()
            guard let end = rest.lastIndex(of: quote) else { return nil }
            let body = String(rest[..<end])
            return quote == "'" ? body.replacingOccurrences(of: "''", with: "'")
                : body.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
        }
        // A plain scalar ends at a comment.
        if let hash = rest.range(of: " #") { rest = String(rest[..<hash.lowerBound]) }
        rest = rest.trimmingCharacters(in: .whitespaces)
        return rest.isEmpty ? nil : rest
    }
}
