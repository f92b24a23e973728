import Foundation
import Testing
@testable import DPOPExperiments
@testable import DPOPReports

@Suite struct ReportTests {
    @Test func rendersTheFixtureReport() throws {
        let report = try Report.build(try Fixture.withTrouble(), templates: .builtIn())
        let html = report.html
        for section in ["id=\"table\"", "id=\"comparison\"", "id=\"figures\"", "id=\"unfinished\"", "id=\"provenance\"", "id=\"spec\""] {
            #expect(html.contains("<section \(section)>"), "missing section \(section)")
        }
        // Δw curves, Δl curves, Δw against λ, accuracy against Δw (β does not vary: noted instead).
        #expect(report.figures.map(\.id) == ["delta-w-curves", "delta-l-curves", "delta-w-vs-lambda", "accuracy-vs-delta-w"])
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        #expect(html.contains("No plot of final Δw against β"))
        #expect(!html.lowercased().contains("<script"))
        let external = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!external.contains("http://") && !external.contains("https://"))
        #expect(!html.contains("<link") && !html.contains("@import") && !html.contains("url("))
        #expect(html.contains("17 cells finished, 1 failed, 1 running"))
        #expect(html.contains("class=\"num failure-mode\""))                          // dpo on the high bucket
        #expect(html.contains("lambda: {values: [5, 50, 500], when: {loss: dpop}}"))   // spec text verbatim
        #expect(html.contains("train step 20: loss is nan"))                          // failed cell's error
        #expect(html.contains("<code title=\"\(Fixture.troubleDirtyCommit)\">9b8c7d6e5f4a</code>"))
        #expect(html.contains("Sources/DPOPTrainer/Losses/PreferenceLoss.swift"))     // dirty runs' changed files
        for figure in report.figures { #expect(PlotTests.parse(figure.svg).ok, "\(figure.id) is not well-formed XML") }
    }

    @Test func escapesUserTextEverywhere() throws {
        let evil = "<script>alert('x')</script>"
        let r = Fixture.results([
            Fixture.run("a0", ["loss": "dpo", "tag": evil, "seed": "0"], dw: -10),
            Fixture.run("a1", ["loss": "dpo", "tag": evil, "seed": "1"], dw: -12),
            Fixture.run("b0", ["loss": "dpop", "tag": evil, "seed": "0"], dw: 0.1),
            Fixture.run("b1", ["loss": "dpop", "tag": "ok", "seed": "1"], dw: 0.2),
        ], spec: "name: x\ndescription: \(evil)\n", description: evil)
        var results = r
        results.name = "<img src=x onerror=alert(1)>"
        let report = try Report.build(results, templates: .builtIn())
        #expect(!report.html.contains("<script"))
        #expect(!report.html.contains("<img"))
        #expect(report.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        for figure in report.figures { #expect(!figure.svg.contains("<script")) }
        // Markdown: tags neutralised outside the spec's code block (which GitHub shows literally).
        let outsideSpec = report.markdown.components(separatedBy: "## Spec")[0]
        #expect(!outsideSpec.contains("<script") && !outsideSpec.contains("<img"))
        #expect(report.markdown.contains("```yaml\nname: x\ndescription: <script>"))
    }

    /// Branch names, labels, changed-file names and hosts come from the runs: report.md's provenance
    /// table and dirty-tree list escape them (they were written raw, and Markdown renderers show HTML).
    @Test func escapesProvenanceInTheMarkdownReport() throws {
        var run = Fixture.run("a0", ["loss": "dpo", "tag": "<img src=x onerror=alert(1)>", "seed": "0"], dw: -10)
        run.provenance = Provenance(commit: "0123456789abcdef", branch: "<script>alert(1)</script>|main", dirty: true,
                                    changedFiles: ["<img src=y onerror=alert(2)>.swift", "a|b.swift"], host: "<b>node</b>",
                                    date: "2026-01-01T00:00:00Z", libgit2: "1.5.1", environment: nil)
        let report = try Report.build(Fixture.results([run]), templates: .builtIn())
        let provenance = try #require(report.markdown.components(separatedBy: "## Provenance").last?
            .components(separatedBy: "## Spec").first)
        for tag in ["<script", "<img", "<b>"] { #expect(!provenance.contains(tag), "\(tag) in \(provenance)") }
        #expect(provenance.contains("| `0123456789ab` | &lt;script>alert(1)&lt;/script>\\|main | 1 | 1 |"), "\(provenance)")
        #expect(provenance.contains("&lt;img src=y onerror=alert(2)>.swift, a\\|b.swift"), "\(provenance)")
        #expect(provenance.contains("hosts: &lt;b>node&lt;/b> (1)"), "\(provenance)")
        // The HTML report escapes them through its template, as before.
        #expect(!report.html.contains("<script") && report.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;|main"))
    }

    @Test func markdownReferencesFiguresWrittenNextToIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-report-\(UUID().uuidString)")
        let written = try Report.write(try Fixture.editDistance(), htmlPath: dir.appendingPathComponent("out.html").path, templates: .builtIn())
        #expect(written.count == 6)
        let md = try String(contentsOf: dir.appendingPathComponent("out.md"), encoding: .utf8)
        #expect(md.hasPrefix("# edit-distance\n"))
        #expect(md.contains("| loss | lambda | bucket | n |"))
        #expect(md.contains("## DPO vs DPOP, paired by seed"))
        let links = md.components(separatedBy: "](").dropFirst().map { String($0.prefix { $0 != ")" }) }
        #expect(links == ["out-figures/delta-w-curves.svg", "out-figures/delta-l-curves.svg", "out-figures/delta-w-vs-lambda.svg", "out-figures/accuracy-vs-delta-w.svg"])
        for link in links { #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(link).path)) }
        #expect(md.contains("```yaml\n# Fixture for the DPOPReports tests"))
        #expect(!md.contains("<svg"))
    }

    @Test func templatesFolderOverridesSomeTemplates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "<h1>{{title}}</h1>{{#figures}}[{{id}}]{{/figures}}".write(to: dir.appendingPathComponent("report.html.mustache"), atomically: true, encoding: .utf8)
        let templates = try TemplateSet.load(overridesIn: dir.path)
        let report = try Report.build(try Fixture.editDistance(), templates: templates)
        #expect(report.html == "<h1>edit-distance</h1>[delta-w-curves][delta-l-curves][delta-w-vs-lambda][accuracy-vs-delta-w]")
        #expect(report.markdown.hasPrefix("# edit-distance"))   // the built-in Markdown template still applies
        #expect(throws: ReportError.self) { try TemplateSet.load(overridesIn: "/nonexistent") }
    }

    @Test func curvesUseRecordBucketsWhenBucketIsNotAnAxis() throws {
        let both: [String: [String: Any]] = ["low": Fixture.metricsJSON(dw: -4), "high": Fixture.metricsJSON(dw: -9)]
        var runs: [RunResult] = []
        for (i, loss) in ["dpo", "dpop"].enumerated() {
            runs.append(RunResult(id: "r\(i)", experiment: "e", status: .completed, values: ["loss": loss],
                                  history: [Fixture.record(step: 0, dw: 0, buckets: both), Fixture.record(step: 10, dw: -1, buckets: both)]))
        }
        let figure = try #require(ReportFigures.trainingCurves(Fixture.results(runs), metric: try Metric.named("logps/chosen_delta"),
                                                               id: "c", what: "Δw"))
        #expect(figure.svg.contains(">bucket low</text>") && figure.svg.contains(">bucket high</text>"))
        #expect(PlotTests.parse(figure.svg).ok)
    }

    @Test func provenanceSummaryCountsCommitsAndDirtyRuns() throws {
        let results = try Fixture.withTrouble()
        let p = ProvenanceSummary(results)
        #expect(p.commits.map(\.runs) == [15, 3])
        #expect(p.commits[1].dirtyRuns == 3 && p.commits[1].commit == Fixture.troubleDirtyCommit)
        #expect(p.dirty.count == 3 && p.dirty.allSatisfy { $0.changedFiles == ["Sources/DPOPTrainer/Losses/PreferenceLoss.swift"] })
        #expect(p.dirty[0].label.hasPrefix("loss=dpop lambda=50 bucket=high"))
        #expect(p.hosts.map(\.host) == [results.runs[0].provenance!.host] && p.hosts[0].runs == 18)
    }
}
