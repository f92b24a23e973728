import DPOPExperiments
import Foundation
import Testing
@testable import DPOPReports

@Suite struct TableTests {
    /// loss × bucket × seed with hand-picked Δw, plus a bucket whose only cell failed.
    static func small() -> ExperimentResults {
        Fixture.results([
            Fixture.run("a0", ["loss": "dpo", "bucket": "low", "seed": "0"], dw: -1, accuracy: 0.6, decreased: 0.9),
            Fixture.run("a1", ["loss": "dpo", "bucket": "low", "seed": "1"], dw: -2, accuracy: 0.7, decreased: 0.8),
            Fixture.run("a2", ["loss": "dpo", "bucket": "low", "seed": "2"], dw: -3, accuracy: 0.8, decreased: 1.0),
            Fixture.run("b0", ["loss": "dpop", "bucket": "low", "seed": "0"], dw: 0.5, accuracy: 0.9, decreased: 0.2),
            Fixture.run("c0", ["loss": "dpop", "bucket": "high", "seed": "0"], dw: 0, status: .failed),
        ], order: [AxisValues(name: "loss", values: ["dpo", "dpop"]), AxisValues(name: "bucket", values: ["low", "high"])])
    }

    static func render(_ table: ComparisonTable, _ format: OutputFormat) throws -> String {
        try TableRenderer(table: table, templates: .builtIn()).render(format)
    }

    @Test func aggregatesSeedsByHand() throws {
        let t = try ComparisonTable.build(Self.small())
        #expect(t.rowAxes == ["loss", "bucket"])
        #expect(t.groups.map { $0.key } == [["loss": "dpo", "bucket": "low"], ["loss": "dpop", "bucket": "low"], ["loss": "dpop", "bucket": "high"]])
        let dpo = try #require(t.groups[0].metrics["logps/chosen_delta"]?.summary)
        #expect(dpo.n == 3 && dpo.mean == -2 && dpo.std == 1)
        #expect(abs(dpo.ciHigh! - (-2 + 4.302653 / 3.0.squareRoot())) < 1e-5)
        #expect(!t.groups[0].failureMode)   // mean −2 < 0, but the CI [−4.48, 0.48] reaches above 0
        let accuracy = try #require(t.groups[0].metrics["rewards/accuracies"]?.summary)
        #expect(abs(accuracy.mean - 0.7) < 1e-12 && abs(accuracy.std! - 0.1) < 1e-12)
        #expect(t.groups[1].metrics["logps/chosen_delta"]?.summary?.std == nil)   // n = 1
        #expect(t.groups[2].status == .failed && t.groups[2].completedCount == 0)
    }

    @Test func failureModeFlagInEveryFormat() throws {
        // Δw −10, −11, −12: CI entirely below 0 → flagged; dpop Δw around 0 → not.
        let r = Fixture.results([
            Fixture.run("a0", ["loss": "dpo", "seed": "0"], dw: -10), Fixture.run("a1", ["loss": "dpo", "seed": "1"], dw: -11),
            Fixture.run("a2", ["loss": "dpo", "seed": "2"], dw: -12), Fixture.run("b0", ["loss": "dpop", "seed": "0"], dw: -0.1),
            Fixture.run("b1", ["loss": "dpop", "seed": "1"], dw: 0.2), Fixture.run("b2", ["loss": "dpop", "seed": "2"], dw: 0.1),
        ])
        let t = try ComparisonTable.build(r)
        #expect(t.groups.map(\.failureMode) == [true, false])
        let md = try Self.render(t, .md)
        let dpoLine = try #require(md.split(separator: "\n").first { $0.hasPrefix("| dpo |") })
        #expect(dpoLine.contains("-11.0 ± 1.0 \(FailureMode.marker)"))
        #expect(!(md.split(separator: "\n").first { $0.hasPrefix("| dpop |") } ?? "").contains(FailureMode.marker))
        #expect(md.contains(FailureMode.legend))
        let html = try Self.render(t, .html)
        #expect(html.contains("<tr class=\"failure-mode\">") && html.contains("class=\"num failure-mode\""))
        let csv = try Self.render(t, .csv).split(separator: "\n")
        let column = try #require(csv[0].split(separator: ",").firstIndex(of: "failure_mode"))
        #expect(csv[1].split(separator: ",", omittingEmptySubsequences: false)[column] == "true")
        #expect(csv[2].split(separator: ",", omittingEmptySubsequences: false)[column] == "false")
        let json = try JSONSerialization.jsonObject(with: Data(try Self.render(t, .json).utf8)) as! [String: Any]
        #expect((json["groups"] as! [[String: Any]]).map { $0["failure_mode"] as! Bool } == [true, false])
    }

    @Test func markdownTableShapeAndCaption() throws {
        let t = try ComparisonTable.build(try Fixture.withTrouble())
        let md = try Self.render(t, .md)
        let lines = md.split(separator: "\n").map(String.init)
        #expect(lines[0] == "**Table: edit-distance — final step, eval split; mean ± sample std over seeds (n = 3 per row unless noted).**")
        let rows = lines.filter { $0.hasPrefix("|") }
        // Header, separator, 6 groups, 1 running cell; every row has the same number of (unescaped) cells.
        #expect(rows.count == 9)
        let widths = Set(rows.map { $0.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count })
        #expect(widths == [10])   // 3 axes + n + 5 metrics = 9 cells → 10 pipes
        #expect(rows[0] == "| loss | lambda | bucket | n | Δw (logps/chosen_delta) | share Δw<0 (logps/chosen_decreased) | reward acc. (rewards/accuracies) | margin (rewards/margins) | task acc. (task/accuracy) |")
        #expect(rows[1] == "|:--|:--|:--|--:|--:|--:|--:|--:|--:|")
        #expect(rows[2].hasPrefix("| dpo | — | low | 3 | -2.89 ± 1.25 |"))                        // CI reaches above 0: no flag
        #expect(rows[3].hasPrefix("| dpo | — | high | 3 | -3.86 ± 0.65 ⚠ |"))
        #expect(rows[4].hasPrefix("| dpop | 5 | low | 3 | 0.0901 ± 0.0929 |"))
        #expect(rows.contains { $0.hasPrefix("| dpop | 500 | low | 2 (+1 failed) | 0.0857 ± 0.0259 |") })   // failed seed shown
        #expect(rows.last!.hasPrefix("| cell 09df9a4395af | — | — | 0 (1 running) | running |"))  // running cell shown
        #expect(md.contains("17 cells finished, 1 failed, 1 running."))
    }

    @Test func csvCarriesRawNumbers() throws {
        let t = try ComparisonTable.build(Self.small(), options: TableOptions(metrics: ["logps/chosen_delta"]))
        let csv = try Self.render(t, .csv)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines[0] == "loss,bucket,status,n_completed,n_failed,n_interrupted,n_running,failure_mode,logps/chosen_delta_mean,logps/chosen_delta_std,logps/chosen_delta_n,logps/chosen_delta_ci_low,logps/chosen_delta_ci_high,cells")
        let dpo = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(dpo[0...7] == ["dpo", "low", "completed", "3", "0", "0", "0", "false"])
        #expect(dpo[8] == "-2" && dpo[9] == "1" && dpo[10] == "3")
        #expect(abs(Double(dpo[11])! - (-2 - 2.484138)) < 1e-5 && abs(Double(dpo[12])! - (-2 + 2.484138)) < 1e-5)
        #expect(dpo[13] == "a0;a1;a2")
        #expect(lines[2].hasPrefix("dpop,low,completed,1,0,0,0,false,0.5,,1,,,"))     // n = 1: std and CI empty, not NaN
        #expect(lines[3].hasPrefix("dpop,high,failed,0,1,0,0,false,,,0,,,"))
        #expect(Set(lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).count }).count == 1)
    }

    /// A results folder on disk: dpo seeds 0, 1 completed (one written as the legacy "done"); dpop seed 0
    /// completed, seed 1 interrupted; sft seed 0 interrupted; ipo seed 0 failed.
    static func withInterrupted() throws -> ExperimentResults {
        func run(_ id: String, _ loss: String, _ seed: Int, _ status: String) throws -> String {
            try Fixture.runJSON(id, status: status, values: ["loss": loss, "seed": "\(seed)"],
                                error: status == "interrupted" ? "interrupted by signal 15 at train step 2" : nil, experiment: "e")
        }
        let record = LoaderTests.recordLine(step: 10, dw: -1) + "\n"
        let path = try LoaderTests.folder([
            "a0": (try run("a0", "dpo", 0, "done"), record), "a1": (try run("a1", "dpo", 1, "completed"), record),
            "b0": (try run("b0", "dpop", 0, "completed"), record), "b1": (try run("b1", "dpop", 1, "interrupted"), nil),
            "c0": (try run("c0", "sft", 0, "interrupted"), nil), "d0": (try run("d0", "ipo", 0, "failed"), nil),
        ], spec: "name: e\ngrid:\n  loss: [dpo, dpop, sft, ipo]\n")
        return try ExperimentResults.load(path: path)
    }

    @Test func interruptedCellsShowAsInterruptedNotFailed() throws {
        let t = try ComparisonTable.build(try Self.withInterrupted(), options: TableOptions(metrics: ["logps/chosen_delta"]))
        #expect(t.groups.map { $0.key["loss"] } == ["dpo", "dpop", "sft", "ipo"])
        #expect(t.groups.map(\.status) == [.completed, .partial, .interrupted, .failed])
        #expect(t.groups.map(\.interruptedCount) == [0, 1, 1, 0] && t.groups.map(\.failedCount) == [0, 0, 0, 1])

        let csv = try Self.render(t, .csv).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(Array(csv[0][0...6]) == ["loss", "status", "n_completed", "n_failed", "n_interrupted", "n_running", "failure_mode"])
        #expect(Array(csv[1][0...5]) == ["dpo", "completed", "2", "0", "0", "0"])
        #expect(Array(csv[2][0...5]) == ["dpop", "partial", "1", "0", "1", "0"])
        #expect(Array(csv[3][0...5]) == ["sft", "interrupted", "0", "0", "1", "0"])
        #expect(Array(csv[4][0...5]) == ["ipo", "failed", "0", "1", "0", "0"])

        let md = try Self.render(t, .md).split(separator: "\n").map(String.init)
        #expect(md.contains("| dpo | 2 | -1.00 ± 0.00 \(FailureMode.marker) |"))
        #expect(md.contains("| dpop | 1 (+1 interrupted) | -1.00 ± — |"))
        #expect(md.contains("| sft | 0 (1 interrupted) | interrupted |"))
        #expect(md.contains("| ipo | 0 (1 failed) | failed |"))
        #expect(md.contains("3 cells finished, 1 failed, 2 interrupted, 0 running."))

        let html = try Self.render(t, .html)
        #expect(html.contains("<tr class=\"status-interrupted\">") && html.contains("<tr class=\"status-failed\">"))
        let json = try JSONSerialization.jsonObject(with: Data(try Self.render(t, .json).utf8)) as! [String: Any]
        #expect(json["counts"] as? [String: Int] == ["finished": 3, "failed": 1, "interrupted": 2, "running": 0])
        let groups = json["groups"] as! [[String: Any]]
        #expect(groups[2]["status"] as? String == "interrupted" && groups[2]["n_interrupted"] as? Int == 1)
        #expect(((groups[2]["cells"] as! [[String: Any]])[0])["status"] as? String == "interrupted")

        // Pivoted: the interrupted seed is named next to n.
        let pivot = try ComparisonTable.build(try Self.withInterrupted(), options: TableOptions(rows: [], cols: ["loss"], metrics: ["logps/chosen_delta"]))
        #expect(try Self.render(pivot, .md).contains("-1.00 ± — (n=1, 1 interrupted)"))
    }

    @Test func jsonShapeWithNulls() throws {
        let t = try ComparisonTable.build(Self.small(), options: TableOptions(metrics: ["logps/chosen_delta", "rewards/accuracies"]))
        let json = try JSONSerialization.jsonObject(with: Data(try Self.render(t, .json).utf8)) as! [String: Any]
        #expect(json["experiment"] as? String == "mem" && json["step"] as? String == "final" && json["bucket"] is NSNull)
        #expect(json["row_axes"] as? [String] == ["loss", "bucket"])
        #expect(json["counts"] as? [String: Int] == ["finished": 4, "failed": 1, "interrupted": 0, "running": 0])
        let groups = json["groups"] as! [[String: Any]]
        #expect(groups.count == 3)
        let dw = (groups[0]["metrics"] as! [String: Any])["logps/chosen_delta"] as! [String: Any]
        #expect(dw["mean"] as? Double == -2 && dw["std"] as? Double == 1 && dw["n"] as? Int == 3)
        #expect((dw["per_seed"] as! [[String: Any]]).map { $0["value"] as! Double } == [-1, -2, -3])
        let single = (groups[1]["metrics"] as! [String: Any])["logps/chosen_delta"] as! [String: Any]
        #expect(single["std"] is NSNull && single["ci_low"] is NSNull && single["ci_high"] is NSNull)
        #expect(groups[2]["status"] as? String == "failed")
        #expect(((groups[2]["cells"] as! [[String: Any]])[0])["status"] as? String == "failed")
    }

    @Test func pivotColumnsAndMissingCells() throws {
        let t = try ComparisonTable.build(Self.small(), options: TableOptions(cols: ["bucket"], metrics: ["logps/chosen_delta"]))
        #expect(t.rowAxes == ["loss"] && t.colAxes == ["bucket"])
        let rows = try Self.render(t, .md).split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(rows[0] == "| loss | bucket=low | bucket=high |")
        #expect(rows[2] == "| dpo | -2.00 ± 1.00 | — |")
        #expect(rows[3] == "| dpop | 0.500 ± — (n=1) | failed |")
        // Two metrics pivot into metric × value columns.
        let two = try ComparisonTable.build(Self.small(), options: TableOptions(cols: ["bucket"], metrics: ["logps/chosen_delta", "rewards/accuracies"]))
        #expect(try Self.render(two, .md).contains("| loss | Δw · bucket=low | Δw · bucket=high | reward acc. · bucket=low | reward acc. · bucket=high |"))
    }

    @Test func stepSelection() throws {
        let r = try Fixture.editDistance()
        let at20 = try ComparisonTable.build(r, options: TableOptions(metrics: ["logps/chosen_delta"], step: .step(20)))
        let final = try ComparisonTable.build(r, options: TableOptions(metrics: ["logps/chosen_delta"]))
        let v20 = at20.groups[0].metrics["logps/chosen_delta"]!.values, vFinal = final.groups[0].metrics["logps/chosen_delta"]!.values
        #expect(v20.allSatisfy { $0.step == 20 } && vFinal.allSatisfy { $0.step == 40 })
        let dpoLow = r.runs.filter { $0.loss == "dpo" && $0.values["bucket"] == "low" }.sorted { $0.id < $1.id }
        #expect(v20.map(\.value).sorted() == dpoLow.map { $0.history.first { $0.step == 20 }!.eval.logpsChosenDelta }.sorted())
        #expect(zip(v20, vFinal).allSatisfy { $0.value != $1.value })
        // best: the record with the highest Δw — step 0 (Δw = 0) for DPO, whose Δw is below 0 at every later step.
        let best = try ComparisonTable.build(r, options: TableOptions(metrics: ["logps/chosen_delta"], step: .best))
        #expect(best.groups[0].metrics["logps/chosen_delta"]!.values.allSatisfy { $0.step == 0 && $0.value == 0 })
        // best by a lower-is-better metric picks its minimum.
        let run = RunResult(id: "x", experiment: "e", status: .completed, values: [:],
                            history: [Fixture.record(step: 0, dw: 0, decreased: 0.5), Fixture.record(step: 5, dw: 1, decreased: 0.1),
                                      Fixture.record(step: 9, dw: 2, decreased: 0.3)])
        #expect(StepSelector.best.record(of: run, metric: try Metric.named("logps/chosen_decreased"), bucket: nil)?.step == 5)
        #expect(throws: ReportError.stepNotRecorded(15, recorded: [0, 10, 20, 30, 40])) {
            try ComparisonTable.build(r, options: TableOptions(step: .step(15)))
        }
        #expect(try StepSelector(parsing: "best") == .best && StepSelector(parsing: "40") == .step(40))
        #expect(throws: ReportError.self) { try StepSelector(parsing: "latest") }
    }

    @Test func bucketMetricsAndErrors() throws {
        let low = Fixture.metricsJSON(dw: -7)
        let r = Fixture.results([Fixture.run("a", ["loss": "dpo"], dw: -1, buckets: ["low": low]),
                                 Fixture.run("b", ["loss": "dpop"], dw: 1, buckets: ["low": Fixture.metricsJSON(dw: 3)])])
        let t = try ComparisonTable.build(r, options: TableOptions(metrics: ["logps/chosen_delta"], bucket: "low"))
        #expect(t.groups.map { $0.metrics["logps/chosen_delta"]!.summary!.mean } == [-7, 3])
        // A cell without the bucket does not count towards n.
        let partial = Fixture.results([Fixture.run("a", ["loss": "dpo", "seed": "0"], dw: -1, buckets: ["low": low]),
                                       Fixture.run("b", ["loss": "dpo", "seed": "1"], dw: -1)])
        let pt = try ComparisonTable.build(partial, options: TableOptions(metrics: ["logps/chosen_delta"], bucket: "low"))
        #expect(pt.groups[0].countText(pt.metrics) == "1 (+1 without values)" && pt.typicalN == 1)
        #expect(throws: ReportError.badOption(option: "--bucket", value: "mid", expected: "one of low")) {
            try ComparisonTable.build(r, options: TableOptions(bucket: "mid"))
        }
        #expect(throws: ReportError.unknownAxis("beta", known: ["loss"])) { try ComparisonTable.build(r, options: TableOptions(rows: ["beta"])) }
        #expect(throws: ReportError.self) { try ComparisonTable.build(r, options: TableOptions(metrics: ["logps/nope"])) }
    }

    @Test func sortingConstantsAndPooling() throws {
        let r = Fixture.results([
            Fixture.run("a", ["loss": "dpo", "beta": "0.1", "bucket": "low"], dw: -5),
            Fixture.run("b", ["loss": "dpop", "beta": "0.1", "bucket": "low"], dw: 1),
            Fixture.run("c", ["loss": "ipo", "beta": "0.1", "bucket": "high"], dw: -1),
        ])
        let sorted = try ComparisonTable.build(r, options: TableOptions(rows: ["loss"], metrics: ["logps/chosen_delta"], sort: "logps/chosen_delta"))
        #expect(sorted.groups.map { $0.key["loss"]! } == ["dpop", "ipo", "dpo"])   // higher Δw is better: best first
        #expect(sorted.pooledAxes == ["bucket"])
        let md = try Self.render(sorted, .md)
        #expect(md.contains("Constant across all cells: beta = 0.1."))
        #expect(md.contains("Pooled over bucket"))
        let byShare = try ComparisonTable.build(r, options: TableOptions(rows: ["loss"], sort: "logps/chosen_decreased"))
        #expect(byShare.groups.count == 3)
    }

    @Test func htmlEscapesValuesAndMarkdownEscapesPipes() throws {
        let r = Fixture.results([Fixture.run("a", ["loss": "<script>alert(1)</script>", "note": "a|b"], dw: 1),
                                 Fixture.run("b", ["loss": "dpo", "note": "c"], dw: 1)])
        let t = try ComparisonTable.build(r)
        let html = try Self.render(t, .html)
        #expect(!html.contains("<script") && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        let md = try Self.render(t, .md)
        #expect(md.contains("a\\|b") && md.contains("&lt;script>"))
        #expect(try TableRenderer.templateName(for: .md) == "table.md")
        #expect(throws: ReportError.self) { try TableRenderer.templateName(for: .csv) }
    }

    @Test func customTemplateReplacesTheBuiltIn() throws {
        var templates = try TemplateSet.builtIn()
        try templates.register("{{% CONTENT_TYPE: TEXT}}{{#rows}}{{#cells}}[{{text}}]{{/cells}}\n{{/rows}}", as: "table.md")
        let t = try ComparisonTable.build(Self.small(), options: TableOptions(metrics: ["logps/chosen_delta"]))
        let out = try TableRenderer(table: t, templates: templates).render(.md)
        #expect(out.hasPrefix("[dpo][low][3][-2.00 ± 1.00]\n"))
        #expect(throws: ReportError.self) { try templates.register("{{#open}}never closed", as: "table.md") }
    }
}
