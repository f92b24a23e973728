import Foundation

/// Number formatting and escaping shared by the text formats.
public enum TextFormat {
    /// Placeholder for a value that does not exist (std of one seed, a missing metric).
    public static let missing = "—"

    /// Decimals that give about three significant digits for numbers of this size (0…4).
    public static func decimals(forMagnitude m: Double) -> Int {
        guard m.isFinite, m > 0 else { return 3 }
        return min(4, max(0, 2 - Int(floor(log10(m)))))
    }

    /// `x` with `decimals` places, never "-0.000".
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        let s = String(format: "%.\(decimals)f", x)
        return s.hasPrefix("-") && s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(s.dropFirst()) : s
    }

    /// `mean ± std` at a precision set by the larger of the two ("0.810 ± 0.040", "-15.0 ± 2.9"); "± —" for one seed.
    public static func meanStd(_ s: SampleSummary) -> String {
        let d = decimals(forMagnitude: max(abs(s.mean), s.std ?? 0))
        return "\(fixed(s.mean, d)) ± \(s.std.map { fixed($0, d) } ?? missing)"
    }

    /// A single number at about three significant digits.
    public static func number(_ x: Double) -> String { fixed(x, decimals(forMagnitude: abs(x))) }

    /// A signed difference with its interval: "+15.1 [9.8, 20.4]".
    public static func difference(_ s: SampleSummary) -> String {
        let d = decimals(forMagnitude: max(abs(s.mean), s.ciHigh.map { abs($0) } ?? 0, s.ciLow.map { abs($0) } ?? 0))
        let mean = (s.mean > 0 ? "+" : "") + fixed(s.mean, d)
        guard let lo = s.ciLow, let hi = s.ciHigh else { return "\(mean) [\(missing)]" }
        return "\(mean) [\(fixed(lo, d)), \(fixed(hi, d))]"
    }

    /// Text for a Markdown table cell: pipes escaped, line breaks removed, and `<` that could open an
    /// HTML tag escaped (GitHub renders inline HTML in tables).
    public static func markdownCell(_ text: String) -> String {
        var out = ""
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            switch c {
            case "|": out += "\\|"
            case "\n", "\r": out += " "
            case "<":
                let next = i + 1 < chars.count ? chars[i + 1] : " "
                out += next.isLetter || next == "/" || next == "!" || next == "?" ? "&lt;" : "<"
            default: out.append(c)
            }
        }
        return out
    }

    /// Text escaped for XML/HTML content and attribute values.
    public static func xmlEscape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A raw number for CSV: shortest round-trip text; empty for nil.
    public static func csvNumber(_ x: Double?) -> String {
        guard let x else { return "" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    /// "axis=value, axis=value" of a key in axis order.
    public static func key(_ key: [String: String], axes: [String]) -> String {
        axes.compactMap { a in key[a].map { "\(a)=\($0)" } }.joined(separator: ", ")
    }
}
