import Foundation

/// A typed scalar from a spec, compared by value so `0.3` in an `exclude` matches `0.30` on an axis.
enum SpecValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bool(Bool)

    var intValue: Int? { if case .int(let v) = self { return v }; return nil }
    var uintValue: UInt64? { if case .uint(let v) = self { return v }; return nil }
    var doubleValue: Double? { if case .double(let v) = self { return v }; return nil }
    var stringValue: String? { if case .string(let v) = self { return v }; return nil }
    var boolValue: Bool? { if case .bool(let v) = self { return v }; return nil }

    /// Canonical text (shortest round-tripping form for numbers).
    var description: String {
        switch self {
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v): return v == .infinity ? "inf" : String(v)
        case .string(let v): return v
        case .bool(let v): return v ? "true" : "false"
        }
    }

    /// A YAML number: decimal, exponent, `_` separators, `.inf`; hex, octal and other forms are not numbers here.
    static func number(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case ".inf", "+.inf", "inf", "+inf": return .infinity
        case "-.inf", "-inf": return -.infinity
        case ".nan", "nan": return .nan
        default: break
        }
        guard !t.isEmpty, t.allSatisfy({ "0123456789+-.eE_".contains($0) }), t.contains(where: \.isNumber) else {
            return nil
        }
        return Double(t.replacingOccurrences(of: "_", with: ""))
    }

    /// A whole number written as `800`, `1_000` or `1e3`.
    static func integer(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        if let v = Int(t) { return v }
        guard let d = number(text), d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// YAML 1.1 booleans.
    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }
}
