import Foundation

/// One plot panel: lines with optional bands, scatter points, axes with nice ticks, titles, reference lines.
public struct Chart {
    /// A data series: a line (mean), a band around it (spread) and/or individual points.
    public struct Series {
        public var label: String
        public var color: String
        /// Line vertices in data coordinates, drawn in x order.
        public var line: [(x: Double, y: Double)] = []
        /// Band around the line: lower and upper values per x.
        public var band: [(x: Double, low: Double, high: Double)] = []
        /// Individual points (e.g. one per cell), with an optional hover note.
        public var points: [(x: Double, y: Double, note: String?)] = []
        public var dashed = false
        /// Draw a marker at every line vertex (for sparse lines such as a λ sweep).
        public var markers = false
        /// Size and opacity of `points`: small and faint under a line, larger in a scatter plot.
        public var pointRadius = 3.5
        public var pointOpacity = 0.55

        public init(label: String, color: String) {
            self.label = label
            self.color = color
        }
    }

    public var title: String
    public var xTitle: String
    public var yTitle: String
    public var xKind: Scale.Kind = .linear
    public var series: [Series] = []
    /// A dashed reference line (e.g. Δw = 0), included in the axis range.
    public var referenceX: Double?
    public var referenceY: Double?
    /// Opacity of bands: lower when many overlap.
    public var bandOpacity = 0.16

    public init(title: String, xTitle: String, yTitle: String, xKind: Scale.Kind = .linear) {
        self.title = title
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.xKind = xKind
    }

    /// Space around the plot area inside the panel: room for tick labels and axis titles.
    static let margin = (left: 66.0, right: 16.0, top: 30.0, bottom: 46.0)

    public var xValues: [Double] {
        series.flatMap { s in s.line.map(\.x) + s.band.map(\.x) + s.points.map(\.x) } + [referenceX].compactMap { $0 }
    }

    public var yValues: [Double] {
        series.flatMap { s in s.line.map(\.y) + s.band.flatMap { [$0.low, $0.high] } + s.points.map(\.y) } + [referenceY].compactMap { $0 }
    }

    /// The scales of a panel placed at (x, y) with this size; `yValues` lets panels share a y range.
    public func scales(x: Double, y: Double, width: Double, height: Double, yValues: [Double]? = nil) -> (x: Scale, y: Scale) {
        let m = Self.margin
        let xs = Scale.nice(covering: xValues, kind: xKind, range: (x + m.left, x + width - m.right))
        let ys = Scale.nice(covering: yValues ?? self.yValues, range: (y + height - m.bottom, y + m.top))
        return (xs, ys)
    }

    /// Draws the panel into `svg` at (x, y).
    public func render(into svg: inout SVGWriter, x: Double, y: Double, width: Double, height: Double, yValues: [Double]? = nil) {
        let (sx, sy) = scales(x: x, y: y, width: width, height: height, yValues: yValues)
        let left = sx.range.0, right = sx.range.1, bottom = sy.range.0, top = sy.range.1

        svg.text(title, (left + right) / 2, y + 18, size: 13, anchor: .middle, bold: true)
        // Grid and ticks.
        for t in sy.ticks() {
            let py = sy(t)
            svg.line(left, py, right, py, stroke: "#e6e6e6")
            svg.text(sy.label(t), left - 7, py + 4, size: 11, anchor: .end, fill: "#444")
        }
        for t in sx.ticks() {
            let px = sx(t)
            svg.line(px, top, px, bottom, stroke: "#f0f0f0")
            svg.line(px, bottom, px, bottom + 4, stroke: "#444")
            svg.text(sx.label(t), px, bottom + 17, size: 11, anchor: .middle, fill: "#444")
        }
        svg.line(left, bottom, right, bottom, stroke: "#444")
        svg.line(left, top, left, bottom, stroke: "#444")
        svg.text(xTitle, (left + right) / 2, y + height - 8, size: 12, anchor: .middle)
        svg.text(yTitle, x + 15, (top + bottom) / 2, size: 12, anchor: .middle, rotate: -90)

        if let r = referenceY, sy.domain.contains(r) {
            svg.line(left, sy(r), right, sy(r), stroke: "#777", width: 1.2, dash: "5 4", cls: "reference")
        }
        if let r = referenceX, sx.domain.contains(r) {
            svg.line(sx(r), top, sx(r), bottom, stroke: "#777", width: 1.2, dash: "5 4", cls: "reference")
        }
        for s in series where s.band.count >= 2 {
            let band = s.band.sorted { $0.x < $1.x }
            svg.polygon(band.map { (sx($0.x), sy($0.high)) } + band.reversed().map { (sx($0.x), sy($0.low)) }, fill: s.color, opacity: bandOpacity)
        }
        for s in series {
            for p in s.points {
                svg.circle(sx(p.x), sy(p.y), r: s.pointRadius, fill: s.color, opacity: s.pointOpacity,
                           stroke: s.pointOpacity > 0.6 ? "#ffffff" : nil, title: p.note)
            }
        }
        for s in series {
            let line = s.line.sorted { $0.x < $1.x }
            svg.polyline(line.map { (sx($0.x), sy($0.y)) }, stroke: s.color, width: 2.2, dash: s.dashed ? "7 4" : nil)
            if s.markers || line.count == 1 {
                for p in line { svg.circle(sx(p.x), sy(p.y), r: 4.5, fill: s.color, stroke: "#ffffff") }
            }
        }
    }
}
