import Foundation
import Testing
@testable import DPOPReports

@Suite struct LoaderTests {
    /// A scratch results folder with the given run.json and metrics.jsonl texts per cell.
    static func folder(_ cells: [String: (run: String, metrics: String?)], locks: [String] = [], spec: String? = "name: tmp\n") throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-reports-\(UUID().uuidString)")
        for (id, files) in cells {
            let dir = root.appendingPathComponent("runs/\(id)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try files.run.write(to: dir.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
            try files.metrics?.write(to: dir.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("locks"), withIntermediateDirectories: true)
        for id in locks { try "{}".write(to: root.appendingPathComponent("locks/\(id).lock"), atomically: true, encoding: .utf8) }
        try spec?.write(to: root.appendingPathComponent("spec.yaml"), atomically: true, encoding: .utf8)
        return root.path
    }

    static func recordLine(step: Int, dw: Double) -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["step": step, "elapsed": 1.0, "eval": Fixture.metricsJSON(dw: dw), "buckets": [:]])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func loadsTheFixture() throws {
        let r = try Fixture.editDistance()
        #expect(r.name == "edit-distance")
        #expect(r.description?.hasPrefix("DPO vs DPOP on low and high") == true)
        #expect(r.runs.count == 15)
        #expect(r.finishedCount == 14 && r.failedCount == 1 && r.runningCount == 1)
        #expect(r.statusLine == "14 cells finished, 1 failed, 1 running")
        #expect(r.runningWithoutResult.count == 1)
        #expect(r.axes == ["loss", "lambda", "bucket", "seed"])
        #expect(r.values(of: "bucket") == ["low", "high"])          // spec order, not alphabetical
        #expect(r.values(of: "lambda") == ["5", "50", "500"])       // numeric order
        let dpo = try #require(r.runs.first { $0.loss == "dpo" })
        #expect(dpo.values["lambda"] == nil && dpo.notApplicable.contains("lambda"))
        #expect(dpo.value(of: "lambda") == nil)                      // not the config's unused default 50
        #expect(dpo.history.map(\.step) == [0, 25, 50, 75, 100])
        #expect(dpo.final?.step == 100)
        #expect(dpo.provenance?.commit?.hasPrefix("3f2a9c1e") == true)
        let failed = try #require(r.runs.first { $0.status == .failed })
        #expect(failed.final == nil && failed.error?.contains("not finite") == true)
        #expect(failed.history.map(\.step) == [0, 25, 50])
    }

    @Test func badMetricsLineNamesFileAndLine() throws {
        let run = #"{"id": "c1", "status": "completed", "values": {"loss": "dpo"}}"#
        let metrics = Self.recordLine(step: 0, dw: 0) + "\n" + #"{"step": 25, "elapsed": 1, "eval": {"n": 3}}"# + "\n"
        let path = try Self.folder(["c1": (run, metrics)])
        do {
            _ = try ResultsFolder.load(path: path)
            Issue.record("expected an error")
        } catch let ReportError.badMetricsLine(file, line, message) {
            #expect(file.hasSuffix("runs/c1/metrics.jsonl"))
            #expect(line == 2)
            #expect(message.contains("missing") && message.contains("eval"))
        }
        #expect(ReportError.badMetricsLine(file: "m.jsonl", line: 2, message: "x").description == "m.jsonl:2: x")
    }

    @Test func runFileErrorsSayWhatIsMissing() throws {
        let path = try Self.folder(["c1": (#"{"status": "completed"}"#, nil)])
        #expect(throws: ReportError.badRunFile(path: path + "/runs/c1/run.json", message: "missing \"id\" (a string)")) {
            try ResultsFolder.load(path: path)
        }
        let odd = try Self.folder(["c2": (#"{"id": "c2", "status": "finished"}"#, nil)])
        #expect(throws: ReportError.self) { try ResultsFolder.load(path: odd) }
        #expect(throws: ReportError.notAResultsFolder(path: "/nonexistent/x", reason: "no such folder")) {
            try ResultsFolder.load(path: "/nonexistent/x")
        }
    }

    @Test func statusNamesIncludingLegacyDoneAndInterrupted() throws {
        let cells: [String: (run: String, metrics: String?)] = [
            "a": (#"{"id": "a", "status": "done", "values": {"seed": "0"}}"#, Self.recordLine(step: 10, dw: -1) + "\n"),
            "b": (#"{"id": "b", "status": "completed", "values": {"seed": "1"}}"#, Self.recordLine(step: 10, dw: -2) + "\n"),
            "c": (#"{"id": "c", "status": "interrupted", "values": {"seed": "2"}, "error": "interrupted by signal 15 at train step 4"}"#,
                  Self.recordLine(step: 0, dw: 0) + "\n"),
            "d": (#"{"id": "d", "status": "failed", "values": {"seed": "3"}, "error": "boom"}"#, nil),
            "e": (#"{"id": "e", "status": "interrupted", "values": {"seed": "4"}}"#, nil),
        ]
        let r = try ResultsFolder.load(path: try Self.folder(cells, locks: ["e"]))
        let status = Dictionary(uniqueKeysWithValues: r.runs.map { ($0.id, $0.status) })
        #expect(status == ["a": .completed, "b": .completed, "c": .interrupted, "d": .failed, "e": .running])  // e: being run again
        #expect(r.runs.first { $0.id == "a" }?.final?.step == 10)       // a legacy "done" cell has its final record
        #expect(r.runs.first { $0.id == "c" }?.final == nil)            // an interrupted one has none
        #expect(r.finishedCount == 2 && r.failedCount == 1 && r.interruptedCount == 1 && r.runningCount == 1)
        #expect(r.statusLine == "2 cells finished, 1 failed, 1 interrupted, 1 running")
        // RunStatus decodes the legacy name too, and encodes the current one.
        #expect(try JSONDecoder().decode([RunStatus].self, from: Data(#"["done", "completed", "interrupted"]"#.utf8)) == [.completed, .completed, .interrupted])
        #expect(String(decoding: try JSONEncoder().encode([RunStatus.completed]), as: UTF8.self) == #"["completed"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RunStatus.self, from: Data(#""finished""#.utf8)) }
        // "running" is never a recorded status.
        #expect(throws: ReportError.self) { try ResultsFolder.load(path: try Self.folder(["x": (#"{"id": "x", "status": "running"}"#, nil)])) }
    }

    @Test func finalFallsBackToTheLastRecordAndLocksMarkRetries() throws {
        let completed = #"{"id": "a", "status": "completed", "values": {"seed": "0"}}"#
        let failed = #"{"id": "b", "status": "failed", "values": {"seed": "1"}, "error": "boom"}"#
        let path = try Self.folder(["a": (completed, Self.recordLine(step: 0, dw: 0) + "\n" + Self.recordLine(step: 10, dw: -2) + "\n"),
                                    "b": (failed, nil)], locks: ["b", "zzz"])
        let r = try ResultsFolder.load(path: path)
        #expect(r.runs.first { $0.id == "a" }?.final?.step == 10)
        #expect(r.runs.first { $0.id == "b" }?.status == .running)   // a failed cell with a lock is being retried
        #expect(r.runningWithoutResult == ["zzz"])
        #expect(r.name == "tmp")
        // A lock whose owner is gone does not make a cell running.
        let stale = try ResultsFolder.load(path: path) { !$0.lastPathComponent.hasPrefix("zzz") }
        #expect(stale.runningWithoutResult.isEmpty && stale.runningCount == 1)
    }

    @Test func defaultLockCheckUsesTheOwnersProcess() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func lock(pid: Int32) throws -> URL {
            let url = dir.appendingPathComponent("\(pid).lock")
            let json = "{\"pid\": \(pid), \"host\": \"\(ProcessInfo.processInfo.hostName)\", \"started\": \"now\"}"
            try json.write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        #expect(ResultsFolder.lockIsLive(try lock(pid: getpid())))
        #expect(!ResultsFolder.lockIsLive(try lock(pid: Int32.max)))    // no such process: stale
        let unreadable = dir.appendingPathComponent("partial.lock")
        try "{".write(to: unreadable, atomically: true, encoding: .utf8)
        #expect(ResultsFolder.lockIsLive(unreadable))                    // maybe being written: assume live
    }

    @Test func specHeaderReadsPlainQuotedAndBlockScalars() {
        #expect(SpecHeader(yaml: "name: exp1  # comment\ndescription: \"a \\\"quoted\\\" text\"\n") ==
                SpecHeader(name: "exp1", description: "a \"quoted\" text"))
        #expect(SpecHeader(yaml: "name: 'it''s'\ndescription: >\n  folded\n  lines\n\n  second\nseeds: [0]\n").description == "folded lines\nsecond")
        #expect(SpecHeader(yaml: "description: |\n  line 1\n  line 2\nname: x\n").description == "line 1\nline 2")
        #expect(SpecHeader(yaml: "model:\n  name: nested\n").name == nil)   // only top-level keys
    }
}
