import Foundation

/// A titled figure of one or more chart panels side by side (two per row), with one shared legend.
public struct Figure {
    /// How a legend entry is drawn.
    public enum Mark: Sendable { case line, dashed, point }

    public struct LegendEntry: Sendable {
        public var label: String
        public var color: String
        public var mark: Mark

        public init(label: String, color: String, mark: Mark = .line) {
            self.label = label
            self.color = color
            self.mark = mark
        }
    }

    public var title: String
    public var panels: [Chart]
    public var legend: [LegendEntry]
    /// Width of the whole figure; panels share it (up to three side by side).
    public var width = 1110.0
    public var panelHeight = 310.0
    /// Give every panel the same y range, so panels compare at a glance.
    public var sharedY = true

    public init(title: String, panels: [Chart], legend: [LegendEntry]) {
        self.title = title
        self.panels = panels
        self.legend = legend
    }

    var columns: Int { panels.count <= 3 ? max(1, panels.count) : 2 }
    public var panelWidth: Double { (width - 20) / Double(columns) }

    /// Rough text width: SVG has no text measurement, and a generous estimate keeps legend items apart.
    static func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.6 }

    /// Legend items placed in rows that fit the figure width: (entry, x, row).
    func legendLayout() -> [(entry: LegendEntry, x: Double, row: Int)] {
        var out: [(LegendEntry, Double, Int)] = []
        var x = 20.0, row = 0
        for e in legend {
            let w = 30 + Self.textWidth(e.label, size: 12) + 22
            if x + w > width - 10 && x > 20 { row += 1; x = 20 }
            out.append((e, x, row))
            x += w
        }
        return out
    }

    /// The figure as a standalone SVG document.
    public func svg() -> String {
        let legendItems = legendLayout()
        let legendRows = legend.isEmpty ? 0 : (legendItems.map(\.row).max() ?? 0) + 1
        let top = 34.0 + Double(legendRows) * 20 + 6
        let rows = (panels.count + columns - 1) / columns
        var svg = SVGWriter(width: width, height: top + Double(rows) * panelHeight + 6)
        svg.text(title, 20, 22, size: 15, bold: true)
        for item in legendItems {
            let y = 34.0 + Double(item.row) * 20 + 8
            switch item.entry.mark {
            case .line: svg.line(item.x, y - 4, item.x + 24, y - 4, stroke: item.entry.color, width: 2.6)
            case .dashed: svg.line(item.x, y - 4, item.x + 24, y - 4, stroke: item.entry.color, width: 2.6, dash: "7 4")
            case .point: svg.circle(item.x + 12, y - 4, r: 4.5, fill: item.entry.color)
            }
            svg.text(item.entry.label, item.x + 30, y, size: 12)
        }
        let sharedValues = sharedY ? panels.flatMap(\.yValues) : nil
        for (i, panel) in panels.enumerated() {
            let px = 10 + Double(i % columns) * panelWidth, py = top + Double(i / columns) * panelHeight
            panel.render(into: &svg, x: px, y: py, width: panelWidth, height: panelHeight, yValues: sharedValues)
        }
        return svg.document(title: title)
    }
}
