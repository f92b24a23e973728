import Foundation

/// A minimal SVG writer: shapes and text in pixel coordinates, every text and attribute value escaped.
public struct SVGWriter {
    public enum Anchor: String { case start, middle, end }

    public let width: Double
    public let height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Pixel coordinates with two decimals: precise enough, and stable text for tests and diffs.
    static func n(_ x: Double) -> String {
        let s = String(format: "%.2f", x)
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }

    static func attr(_ s: String) -> String { TextFormat.xmlEscape(s) }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
                              width: Double = 1, dash: String? = nil, cls: String? = nil) {
        body.append("<line x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(Self.attr(stroke))\" stroke-width=\"\(Self.n(width))\""
                    + (dash.map { " stroke-dasharray=\"\(Self.attr($0))\"" } ?? "") + (cls.map { " class=\"\(Self.attr($0))\"" } ?? "") + "/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard points.count >= 2 else { return }
        body.append("<polyline points=\"\(points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(Self.attr(stroke))\" stroke-width=\"\(Self.n(width))\" stroke-linejoin=\"round\""
                    + (dash.map { " stroke-dasharray=\"\(Self.attr($0))\"" } ?? "") + "/>")
    }

    public mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double = 1) {
        guard points.count >= 3 else { return }
        body.append("<polygon points=\"\(points.map { "\(Self.n($0.0)),\(Self.n($0.1))" }.joined(separator: " "))\" fill=\"\(Self.attr(fill))\" fill-opacity=\"\(Self.n(opacity))\" stroke=\"none\"/>")
    }

    public mutating func circle(_ cx: Double, _ cy: Double, r: Double, fill: String, opacity: Double = 1, stroke: String? = nil,
                                title: String? = nil) {
        let open = "<circle cx=\"\(Self.n(cx))\" cy=\"\(Self.n(cy))\" r=\"\(Self.n(r))\" fill=\"\(Self.attr(fill))\" fill-opacity=\"\(Self.n(opacity))\""
            + (stroke.map { " stroke=\"\(Self.attr($0))\" stroke-width=\"1\"" } ?? "")
        body.append(title.map { open + "><title>\(TextFormat.xmlEscape($0))</title></circle>" } ?? open + "/>")
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, opacity: Double = 1) {
        body.append("<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\" fill=\"\(Self.attr(fill))\" fill-opacity=\"\(Self.n(opacity))\""
                    + (stroke.map { " stroke=\"\(Self.attr($0))\"" } ?? "") + "/>")
    }

    /// Text at (x, y) on its baseline; `rotate` turns it about that point (−90 for a y-axis title).
    public mutating func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start,
                              bold: Bool = false, fill: String = "#222", rotate: Double? = nil) {
        body.append("<text x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(Self.attr(fill))\""
                    + (bold ? " font-weight=\"bold\"" : "")
                    + (rotate.map { " transform=\"rotate(\(Self.n($0)) \(Self.n(x)) \(Self.n(y)))\"" } ?? "")
                    + ">\(TextFormat.xmlEscape(s))</text>")
    }

    /// A comment-free raw fragment written by this module (not for user text).
    mutating func raw(_ fragment: String) { body.append(fragment) }

    /// The document: `<svg>` with a viewBox (it scales down to narrow pages), an accessible title, a font.
    public func document(title: String) -> String {
        let w = Self.n(width), h = Self.n(height)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"\(w)\" height=\"\(h)\" role=\"img\" "
            + "font-family=\"Helvetica, Arial, sans-serif\" style=\"max-width:100%;height:auto\">\n"
            + "<title>\(TextFormat.xmlEscape(title))</title>\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
            + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
