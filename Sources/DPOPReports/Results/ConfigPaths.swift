import DPOPExperiments
import Foundation

/// A cell's resolved config as dotted paths (`loss.beta` → `0.1`), so selectors and tables can name
/// settings the grid did not vary.
enum ConfigPaths {
    /// Every scalar of `config` by its dotted path; numbers as a spec writes them (`50`, `0.1`).
    static func flatten(_ config: CellConfig) -> [String: String] {
        guard let data = try? JSONEncoder().encode(config), let tree = try? JSONDecoder().decode(Node.self, from: data) else { return [:] }
        var out: [String: String] = [:]
        tree.flatten(prefix: "", into: &out)
        return out
    }

    /// A JSON value, decoded by type (so booleans stay booleans and numbers numbers).
    private enum Node: Decodable {
        case scalar(String)
        case object([String: Node])
        case array([Node])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .scalar("null") }
            else if let b = try? c.decode(Bool.self) { self = .scalar(b ? "true" : "false") }
            else if let d = try? c.decode(Double.self) {
                self = .scalar(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)")
            } else if let s = try? c.decode(String.self) { self = .scalar(s) }
            else if let o = try? c.decode([String: Node].self) { self = .object(o) }
            else { self = .array(try c.decode([Node].self)) }
        }

        func flatten(prefix: String, into out: inout [String: String]) {
            switch self {
            case .scalar(let s): out[prefix] = s
            case .object(let members):
                for (key, value) in members { value.flatten(prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &out) }
            case .array(let items):
                out[prefix] = items.map { item -> String in
                    if case .scalar(let s) = item { return s }
                    return "…"
                }.joined(separator: ",")
            }
        }
    }
}
