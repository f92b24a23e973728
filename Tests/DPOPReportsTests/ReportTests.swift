import Foundation
import Testing
@testable import DPOPExperiments
@testable import DPOPReports
import DPOPTrainer

@Suite struct ReportTests {
    @Test func rendersTheFixtureReport() throws {
        let report = try Report.build(try Fixture.withTrouble(), templates: .builtIn())
        let html = report.html
        for section in ["id=\"table\"", "id=\"comparison\"", "id=\"figures\"", "id=\"unfinished\"", "id=\"provenance\"", "id=\"spec\""] {
            #expect(html.contains("<section \(section)>"), "missing section \(section)")
        }
        // Δw curves, Δl curves, Δw against λ, accuracy against Δw, task accuracy (β does not vary: noted instead; no
        // task accuracy change in these old records: no scatter of it).
        #expect(report.figures.map(\.id) == ["delta-w-curves", "delta-l-curves", "delta-w-vs-lambda", "accuracy-vs-delta-w", "task-accuracy-curves"])
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
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
        #expect(written.count == 7)
        let md = try String(contentsOf: dir.appendingPathComponent("out.md"), encoding: .utf8)
        #expect(md.hasPrefix("# edit-distance\n"))
        #expect(md.contains("| loss | lambda | bucket | n |"))
        #expect(md.contains("## DPO vs DPOP, paired by seed"))
        let links = md.components(separatedBy: "](").dropFirst().map { String($0.prefix { $0 != ")" }) }
        #expect(links == ["out-figures/delta-w-curves.svg", "out-figures/delta-l-curves.svg", "out-figures/delta-w-vs-lambda.svg", "out-figures/accuracy-vs-delta-w.svg", "out-figures/task-accuracy-curves.svg"])
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
        #expect(report.html == "<h1>edit-distance</h1>[delta-w-curves][delta-l-curves][delta-w-vs-lambda][accuracy-vs-delta-w][task-accuracy-curves]")
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

    @Test func taskAccuracyCurvesDashTheReferenceAndScatterAgainstDeltaW() throws {
        // Two records per cell: the reference at step 0 (accuracy `start`), the policy at step 100.
        func cell(_ id: String, _ loss: String, _ bucket: String, seed: Int, start: Double, end: Double, dw: Double) -> RunResult {
            func record(_ step: Int, _ task: Double, _ dw: Double) -> EvalRecord {
                var m = Fixture.metricsJSON(dw: dw)
                m["task/accuracy"] = task
                m["task/accuracy_delta"] = task - start
                let json: [String: Any] = ["step": step, "train/loss": 0.4, "elapsed": 1.0, "eval": m, "buckets": [:] as [String: Any]]
                return try! JSONDecoder().decode(EvalRecord.self, from: JSONSerialization.data(withJSONObject: json))
            }
            return RunResult(id: id, experiment: "mem", status: .completed, values: ["loss": loss, "bucket": bucket, "seed": "\(seed)"],
                             history: [record(0, start, 0), record(100, end, dw)])
        }
        let results = Fixture.results([
            cell("a0", "dpo", "low", seed: 0, start: 0.80, end: 0.50, dw: -20), cell("a1", "dpo", "low", seed: 1, start: 0.84, end: 0.60, dw: -30),
            cell("b0", "dpop", "low", seed: 0, start: 0.80, end: 0.81, dw: 1), cell("b1", "dpop", "low", seed: 1, start: 0.84, end: 0.85, dw: 2),
            cell("c0", "dpo", "high", seed: 0, start: 0.70, end: 0.72, dw: -5),
        ])
        let panels = try #require(ReportFigures.curvePanels(results, metric: Metric.taskAccuracy, dashedAtStart: true))
        #expect(panels.charts.map(\.title) == ["bucket high", "bucket low"])
        // The dashed line sits at the reference's accuracy, the mean step-0 value of the panel's cells.
        #expect(abs(panels.charts[1].referenceY! - 0.82) < 1e-12 && abs(panels.charts[0].referenceY! - 0.70) < 1e-12)
        let dpoLow = try #require(panels.charts[1].series.first { $0.label == "dpo" })
        #expect(dpoLow.line.count == 2 && abs(dpoLow.line[1].y - 0.55) < 1e-12 && dpoLow.band.count == 2)
        let curves = try #require(ReportFigures.taskAccuracyCurves(results))
        #expect(curves.svg.contains("reference model (step 0)") && PlotTests.parse(curves.svg).ok)

        let scatter = try #require(ReportFigures.taskAccuracyAgainstDelta(results))
        #expect(scatter.svg.contains("cell a0 bucket=low loss=dpo seed=0: Δw -20.0, Δ task acc. -0.300"))
        #expect(scatter.svg.components(separatedBy: "<title>cell ").count - 1 == 5)
        #expect(PlotTests.parse(scatter.svg).ok)
        // Cells that never measured task accuracy give neither figure.
        let without = Fixture.results([Fixture.run("z", ["loss": "dpo", "seed": "0"], dw: -1)])
        #expect(ReportFigures.taskAccuracyCurves(without) == nil && ReportFigures.taskAccuracyAgainstDelta(without) == nil)
    }

    @Test func displacementProfileFigureAveragesSeedsPerLossAndIsLeftOutWithoutProfiles() throws {
        func cell(_ id: String, _ loss: String, seed: Int, chosen: [Double]) throws -> RunResult {
            var m = Fixture.metricsJSON(dw: -1)
            m["displacement/profile"] = ["offsets": [-1, 0, 1], "chosen": chosen, "rejected": chosen.map { $0 - 1 },
                                         "counts": ["chosen": [3, 3, 3], "rejected": [3, 3, 3]]] as [String: Any]
            let json: [String: Any] = ["step": 10, "train/loss": 0.4, "elapsed": 1.0, "eval": m, "buckets": [:] as [String: Any]]
            let record = try JSONDecoder().decode(EvalRecord.self, from: JSONSerialization.data(withJSONObject: json))
            return RunResult(id: id, experiment: "mem", status: .completed, values: ["loss": loss, "seed": "\(seed)"], history: [record])
        }
        let results = Fixture.results([try cell("a0", "dpo", seed: 0, chosen: [0, -1, -3]), try cell("a1", "dpo", seed: 1, chosen: [0, -3, -5]),
                                       try cell("b0", "dpop", seed: 0, chosen: [0, 0.5, 1])])
        let figure = try #require(ReportFigures.displacementProfile(results))
        #expect(figure.id == "displacement-profile" && PlotTests.parse(figure.svg).ok)
        #expect(ReportFigures.build(results).figures.contains { $0.id == "displacement-profile" })
        let without = Fixture.results([Fixture.run("z", ["loss": "dpo", "seed": "0"], dw: -1)])
        #expect(ReportFigures.displacementProfile(without) == nil)
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
