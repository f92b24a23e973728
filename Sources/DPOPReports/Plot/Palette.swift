import Foundation

/// Series colours: one hue per loss (DPO red, DPOP blue, …) or per other family, shaded within a family
/// (e.g. light to dark blue for increasing λ), so related series read as related.
public enum Palette {
    /// Hues of known losses; DPO is red because its curves are the failure the report is about.
    static let losses: [String: String] = [
        "dpo": "#d62728", "dpop": "#1f77b4", "ipo": "#2ca02c", "hinge": "#9467bd", "rpo": "#ff7f0e",
        "cdpo": "#8c564b", "robust": "#e377c2", "simpo": "#17becf", "orpo": "#bcbd22", "kto_pair": "#7f7f7f", "sft": "#393b79",
    ]
    /// Hues for anything else, in order (colour-blind-safe Okabe–Ito set).
    static let cycle = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000", "#f0e442"]

    /// Colour of a family (`dpo`, or the `index`-th other family).
    public static func hue(_ family: String, index: Int) -> String {
        losses[family] ?? cycle[index % cycle.count]
    }

    /// The `shade`-th of `count` shades of `hex`: darker first, lighter last; the hue itself when alone.
    public static func shade(_ hex: String, _ shade: Int, of count: Int) -> String {
        guard count > 1 else { return hex }
        let t = -0.45 + 0.8 * Double(shade) / Double(count - 1)   // −0.45 (darker) … +0.35 (lighter)
        guard let v = Int(hex.dropFirst(), radix: 16) else { return hex }
        let rgb = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map { c -> Int in
            let d = Double(c)
            return Int((t < 0 ? d * (1 + t) : d + (255 - d) * t).rounded())
        }
        return String(format: "#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
    }
}
