import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import DPOPReports

@Suite struct PlotTests {
    @Test func linearAndLogScalesMapToPixels() {
        let x = Scale(domain: 0...10, range: (100, 200))
        #expect(x(0) == 100 && x(5) == 150 && x(10) == 200)
        let y = Scale(domain: -20...5, range: (300, 50))          // pixels grow downwards
        #expect(y(-20) == 300 && y(5) == 50 && y(0) == 100)
        let log = Scale(kind: .log, domain: 1...1000, range: (0, 300))
        #expect(abs(log(10) - 100) < 1e-9 && abs(log(100) - 200) < 1e-9)
    }

    @Test func niceTicks() {
        #expect(NiceTicks.step(10, count: 5) == 2)
        #expect(NiceTicks.step(15.5, count: 5) == 5)
        #expect(NiceTicks.step(0.9, count: 5) == 0.2)
        #expect(NiceTicks.nice(-15.3, 0.2, count: 5) == (-16...2, 2))          // by 2 pads less than by 5 (−20…5)
        #expect(NiceTicks.nice(0, 120, count: 5) == (0...120, 20))               // not 0…150 by 50
        #expect(NiceTicks.nice(0, 1, count: 5) == (0...1, 0.2))
        let steps = Scale.nice(covering: [0, 120], range: (0, 100))
        #expect(steps.ticks() == [0, 20, 40, 60, 80, 100, 120] && steps.label(40) == "40")
        #expect(NiceTicks.linear(-20, 5, count: 5) == [-20, -15, -10, -5, 0, 5])
        #expect(NiceTicks.linear(0, 1, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(NiceTicks.niceDomain(3, 3, count: 5) == 2.7...3.3)     // a single value still gets a range
        #expect(NiceTicks.log(1, 1000) == [1, 10, 100, 1000])
        #expect(NiceTicks.log(1, 100) == [1, 10, 100])
        #expect(NiceTicks.log(5, 50) == [5, 10, 20, 50])               // under a decade apart: 1-2-5 ticks
        #expect(Scale.nice(covering: [5, 50, 500], kind: .log, range: (0, 1)).domain == 1...1000)
        #expect(NiceTicks.label(0.4, step: 0.2) == "0.4" && NiceTicks.label(-10, step: 5) == "-10" && NiceTicks.label(0.25, step: 0.05) == "0.25")
        #expect(NiceTicks.logLabel(1000) == "1000" && NiceTicks.logLabel(0.1) == "0.1" && NiceTicks.logLabel(1e5) == "1e5")
    }

    @Test func renderedPointLandsOnItsPixel() throws {
        var chart = Chart(title: "t", xTitle: "x", yTitle: "y")
        var s = Chart.Series(label: "s", color: "#123456")
        s.points = [(0, 0, nil), (10, 1, nil), (5, 0.5, "middle")]
        chart.series = [s]
        var svg = SVGWriter(width: 500, height: 300)
        chart.render(into: &svg, x: 0, y: 0, width: 500, height: 300)
        // Plot area: x 66…484 (margins 66 / 16), y 254…30 (margins 46 / 30); domains 0…10 and 0…1.
        // (5, 0.5) → (66 + 0.5 · 418, 254 − 0.5 · 224) = (275, 142).
        let out = svg.document(title: "t")
        #expect(out.contains("<circle cx=\"275\" cy=\"142\" r=\"3.5\" fill=\"#123456\""))
        #expect(out.contains("<circle cx=\"66\" cy=\"254\""))
        #expect(out.contains("<circle cx=\"484\" cy=\"30\""))
        let (sx, sy) = chart.scales(x: 0, y: 0, width: 500, height: 300)
        #expect(sx(5) == 275 && sy(0.5) == 142)
    }

    /// Parses SVG text with Foundation's XML parser and collects element names and text.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append(name)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    static func parse(_ xml: String) -> (ok: Bool, collector: Collector, error: Error?) {
        let parser = XMLParser(data: Data(xml.utf8))
        let c = Collector()
        parser.delegate = c
        let ok = parser.parse()
        return (ok, c, parser.parserError)
    }

    @Test func figureIsWellFormedXMLWithEscapedText() throws {
        var chart = Chart(title: "bucket <low> & \"high\"", xTitle: "step", yTitle: "Δw (nats)")
        var s = Chart.Series(label: "<script>alert(1)</script>", color: "#d62728")
        s.line = [(0, 0), (50, -5), (100, -12)]
        s.band = [(0, 0, 0), (50, -6, -4), (100, -14, -10)]
        s.points = [(100, -12, "cell 'a' & <b>")]
        chart.series = [s]
        chart.referenceY = 0
        let figure = Figure(title: "Δw & friends", panels: [chart, chart], legend: [.init(label: s.label, color: s.color)])
        let svg = figure.svg()
        let parsed = Self.parse(svg)
        #expect(parsed.ok, "parser error: \(String(describing: parsed.error))")
        #expect(parsed.collector.elements.first == "svg")
        #expect(parsed.collector.elements.contains("polygon") && parsed.collector.elements.contains("polyline"))
        #expect(parsed.collector.text.contains("<script>alert(1)</script>"))   // the text survives, as text
        #expect(!svg.contains("<script"))
        #expect(!parsed.collector.elements.contains("script"))
    }

    @Test func paletteShadesStayInFamily() {
        #expect(Palette.hue("dpo", index: 0) == "#d62728")
        #expect(Palette.shade("#1f77b4", 0, of: 1) == "#1f77b4")
        let shades = (0..<3).map { Palette.shade("#1f77b4", $0, of: 3) }
        #expect(Set(shades).count == 3 && shades.allSatisfy { $0.count == 7 && $0.hasPrefix("#") })
    }
}
