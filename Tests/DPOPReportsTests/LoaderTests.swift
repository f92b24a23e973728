import DPOPExperiments
import DPOPTrainer
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
        #expect(r.runs.count == 18 && r.damaged.isEmpty && r.notes.isEmpty)   // the order comes from the records
        #expect(r.finishedCount == 18 && r.failedCount == 0 && r.runningCount == 0)
        #expect(r.statusLine == "18 cells finished, 0 failed, 0 running")
        #expect(r.axes == ["loss", "lambda", "bucket", "seed"])
        #expect(r.values(of: "bucket") == ["low", "high"])          // spec order, not alphabetical
        #expect(r.values(of: "lambda") == ["5", "50", "500"])
        let dpo = try #require(r.runs.first { $0.loss == "dpo" })
        #expect(dpo.values["lambda"] == nil && dpo.notApplicable.contains("lambda"))
        #expect(dpo.value(of: "lambda") == nil)                      // not the config's unused default 50
        #expect(dpo.history.map(\.step) == [0, 10, 20, 30, 40])
        #expect(dpo.final?.step == 40 && dpo.final == dpo.history.last)
        // One clean commit made them all (scripts/make_report_fixture.sh runs with --require-clean).
        #expect(Set(r.runs.compactMap { $0.provenance?.commit }).count == 1 && r.runs.allSatisfy { $0.provenance?.dirty == false })
        #expect(dpo.provenance?.commit?.count == 40)
        #expect(dpo.config["train.steps"] == "40" && dpo.bucketNames == ["low", "high"])
        // The same folder with a failed cell and a live lock (see Fixture.withTrouble).
        let t = try Fixture.withTrouble()
        #expect(t.runs.count == 18 && t.finishedCount == 17 && t.failedCount == 1 && t.runningCount == 1)
        #expect(t.runningWithoutResult == [Fixture.troubleLockID])
        let failed = try #require(t.runs.first { $0.status == .failed })
        #expect(failed.final == nil && failed.error?.contains("loss is nan") == true)
        #expect(failed.history.map(\.step) == [0, 10, 20])
    }

    @Test func aBadMetricsLineLeavesOutThatCellNamingFileAndLine() throws {
        let metrics = Self.recordLine(step: 0, dw: 0) + "\n" + #"{"step": 25, "elapsed": 1, "eval": {"n": 3}}"# + "\n"
        let path = try Self.folder(["c1": (try Fixture.runJSON("c1", values: ["loss": "dpo"]), metrics),
                                    "c2": (try Fixture.runJSON("c2", values: ["loss": "dpop"]), Self.recordLine(step: 0, dw: 1) + "\n")])
        let r = try ExperimentResults.load(path: path)
        #expect(r.runs.map(\.id) == ["c2"])                       // the rest still renders
        let damaged = try #require(r.damaged.first)
        #expect(r.damaged.count == 1 && damaged.id == "c1" && damaged.line == 2)
        #expect(damaged.path.hasSuffix("runs/c1/metrics.jsonl"))
        #expect(damaged.reason.contains("missing") && damaged.reason.contains("eval"))
        #expect(r.readingMessages.first == "warning: \(damaged)")
        #expect(damaged.description.hasPrefix(damaged.path + ":2: missing"))
        #expect(try ComparisonTable.build(r).groups.count == 1)
    }

    /// run.json's final eval is what tables report, metrics.jsonl what curves and exports show: a truncated,
    /// missing or replaced metrics file made the two disagree silently.
    @Test func aMetricsFileThatDisagreesWithRunJSONLeavesOutThatCell() throws {
        func withFinal(_ id: String, step: Int, dw: Double) throws -> String {
            var record = try JSONDecoder().decode(RunRecord.self, from: Data(try Fixture.runJSON(id, values: ["seed": id]).utf8))
            record.final = try JSONDecoder().decode(EvalRecord.self, from: Data(Self.recordLine(step: step, dw: dw).utf8))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            return String(decoding: try encoder.encode(record), as: UTF8.self)
        }
        let whole = Self.recordLine(step: 0, dw: 0) + "\n" + Self.recordLine(step: 10, dw: -2) + "\n"
        let path = try Self.folder(["ok": (try withFinal("ok", step: 10, dw: -2), whole),
                                    "cut": (try withFinal("cut", step: 10, dw: -2), Self.recordLine(step: 0, dw: 0) + "\n"),
                                    "other": (try withFinal("other", step: 10, dw: -3), whole),
                                    "gone": (try withFinal("gone", step: 10, dw: -2), nil)])
        let r = try ExperimentResults.load(path: path)
        #expect(r.runs.map(\.id) == ["ok"])
        #expect(r.damaged.map(\.id) == ["cut", "gone", "other"])
        #expect(r.damaged[0].description == path + "/runs/cut/metrics.jsonl:1: does not end with run.json's final eval (step 10): "
            + "it ends at step 0: truncated?; cell cut left out (remove runs/cut and `dpop run` runs it again)")
        #expect(r.damaged[1].description == path + "/runs/gone/metrics.jsonl: is missing, but run.json records a final eval at step 10; "
            + "cell gone left out (remove runs/gone and `dpop run` runs it again)")
        #expect(r.damaged[2].reason == "does not end with run.json's final eval (step 10): its step-10 line has other values")
        #expect(Array(r.readingMessages.prefix(3)) == r.damaged.map { "warning: \($0)" })
    }

    @Test func aDamagedRunFileIsReportedAndSkippedNotFatal() throws {
        let path = try Self.folder(["c1": (#"{"status": "completed"}"#, nil),
                                    "c2": (try Fixture.runJSON("c2", status: "finished"), nil),
                                    "c3": ("{not json", nil),
                                    "ok": (try Fixture.runJSON("ok", values: ["loss": "dpo"]), Self.recordLine(step: 0, dw: 1) + "\n")])
        let r = try ExperimentResults.load(path: path)
        #expect(r.runs.map(\.id) == ["ok"])
        #expect(r.damaged.map(\.id) == ["c1", "c2", "c3"])
        #expect(r.damaged.allSatisfy { $0.path == path + "/runs/\($0.id)/run.json" && $0.line == nil })
        #expect(r.damaged[0].reason.contains("missing \"id\""))
        #expect(r.damaged[1].reason.contains("\"finished\"") && r.damaged[1].reason.contains("completed"))
        #expect(r.damaged[2].reason == "not JSON")
        #expect(r.damaged[0].description.hasPrefix(path + "/runs/c1/run.json: missing \"id\""))
        #expect(r.damaged[0].description.contains("the next `dpop run` runs it again"))
        #expect(throws: ReportError.notAResultsFolder(path: "/nonexistent/x", reason: "no such folder")) {
            try ExperimentResults.load(path: "/nonexistent/x")
        }
    }

    @Test func statusNamesIncludingLegacyDoneAndInterrupted() throws {
        let cells: [String: (run: String, metrics: String?)] = [
            "a": (try Fixture.runJSON("a", status: "done", values: ["seed": "0"]), Self.recordLine(step: 10, dw: -1) + "\n"),
            "b": (try Fixture.runJSON("b", status: "completed", values: ["seed": "1"]), Self.recordLine(step: 10, dw: -2) + "\n"),
            "c": (try Fixture.runJSON("c", status: "interrupted", values: ["seed": "2"], error: "interrupted by signal 15 at train step 4"),
                  Self.recordLine(step: 0, dw: 0) + "\n"),
            "d": (try Fixture.runJSON("d", status: "failed", values: ["seed": "3"], error: "boom"), nil),
            "e": (try Fixture.runJSON("e", status: "interrupted", values: ["seed": "4"]), nil),
        ]
        #expect(cells["a"]!.run.contains(#""status" : "done""#))
        let r = try ExperimentResults.load(path: try Self.folder(cells, locks: ["e"]))
        let status = Dictionary(uniqueKeysWithValues: r.runs.map { ($0.id, $0.status) })
        #expect(status == ["a": .completed, "b": .completed, "c": .interrupted, "d": .failed, "e": .running])  // e: being run again
        #expect(r.runs.first { $0.id == "a" }?.final?.step == 10)       // a legacy "done" cell has its final record
        #expect(r.runs.first { $0.id == "c" }?.final == nil)            // an interrupted one has none
        #expect(r.finishedCount == 2 && r.failedCount == 1 && r.interruptedCount == 1 && r.runningCount == 1)
        #expect(r.statusLine == "2 cells finished, 1 failed, 1 interrupted, 1 running")
        // The status decodes the legacy name too, and encodes the current one.
        #expect(try JSONDecoder().decode([CellStatus].self, from: Data(#"["done", "completed", "interrupted"]"#.utf8)) == [.completed, .completed, .interrupted])
        #expect(String(decoding: try JSONEncoder().encode([CellStatus.completed]), as: UTF8.self) == #"["completed"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CellStatus.self, from: Data(#""finished""#.utf8)) }
        // "running" and "pending" are never recorded statuses: such a cell is damaged.
        let odd = try ExperimentResults.load(path: try Self.folder(["x": (try Fixture.runJSON("x", status: "running"), nil),
                                                                   "y": (try Fixture.runJSON("y", status: "pending"), nil)]))
        #expect(odd.runs.isEmpty && odd.damaged.map(\.id) == ["x", "y"])
        #expect(odd.damaged[0].reason == #"status "running" is not "completed", "failed" or "interrupted""#)
    }

    @Test func finalFallsBackToTheLastRecordAndLocksMarkRetries() throws {
        let completed = try Fixture.runJSON("a", values: ["seed": "0"])
        let failed = try Fixture.runJSON("b", status: "failed", values: ["seed": "1"], error: "boom")
        let path = try Self.folder(["a": (completed, Self.recordLine(step: 0, dw: 0) + "\n" + Self.recordLine(step: 10, dw: -2) + "\n"),
                                    "b": (failed, nil)], locks: ["b", "zzz"])
        let r = try ExperimentResults.load(path: path)
        #expect(r.runs.first { $0.id == "a" }?.final?.step == 10)
        #expect(r.runs.first { $0.id == "b" }?.status == .running)   // a failed cell with a lock is being retried
        #expect(r.runningWithoutResult == ["zzz"])
        #expect(r.name == "tmp")
        // A lock whose owner is gone does not make a cell running.
        let stale = try ExperimentResults.load(path: path) { !$0.lastPathComponent.hasPrefix("zzz") }
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
        #expect(ResultsStore.lockIsLive(try lock(pid: getpid())))
        #expect(!ResultsStore.lockIsLive(try lock(pid: Int32.max)))    // no such process: stale
        let unreadable = dir.appendingPathComponent("partial.lock")
        try "{".write(to: unreadable, atomically: true, encoding: .utf8)
        #expect(ResultsStore.lockIsLive(unreadable))                    // maybe being written: assume live
    }

    @Test func nameAndDescriptionComeFromTheSavedSpecThroughTheSpecReader() throws {
        let spec = "name: exp1  # comment\ndescription: >\n  folded\n  lines\nseeds: [0]\nmodel:\n  name: nested\n"
        let r = try ExperimentResults.load(path: try Self.folder(["a": (try Fixture.runJSON("a", experiment: "other"), nil)], spec: spec))
        #expect(r.name == "exp1" && r.description == "folded lines\n")
        #expect(r.specText == spec)
        // A spec that no longer reads as a whole (an unknown key) still gives its name; without one, the records do.
        let broken = try ExperimentResults.load(path: try Self.folder(["a": (try Fixture.runJSON("a"), nil)], spec: "name: 'quoted-name'\nbogus: 1\n"))
        #expect(broken.name == "quoted-name" && broken.description == nil)
        let none = try ExperimentResults.load(path: try Self.folder(["a": (try Fixture.runJSON("a", experiment: "from-record"), nil)], spec: nil))
        #expect(none.name == "from-record")
    }

    @Test func axisOrderComesFromTheRecordsElseTheSavedSpec() throws {
        let axes = [AxisValues(name: "loss", values: ["dpop", "dpo"]), AxisValues(name: "bucket", values: ["low", "high"])]
        func cells(_ axes: [AxisValues]?) throws -> [String: (run: String, metrics: String?)] {
            ["a": (try Fixture.runJSON("a", values: ["loss": "dpo", "bucket": "high"], axes: axes), nil),
             "b": (try Fixture.runJSON("b", values: ["loss": "dpop", "bucket": "low"], axes: axes), nil)]
        }
        // The records' order wins over the spec's and over the alphabet; no note.
        // Three orders that differ: records (dpop first), spec (loss before bucket, low before high), alphabetical.
        let spec = "name: tmp\ndata: {task: arith, buckets: {low: [1, 3], high: [4, .inf]}}\ngrid:\n  loss: [dpo, dpop]\n  bucket: [low, high]\n"
        let recorded = try ExperimentResults.load(path: try Self.folder(try cells(axes), spec: spec))
        #expect(recorded.axes == ["loss", "bucket"] && recorded.values(of: "loss") == ["dpop", "dpo"] && recorded.values(of: "bucket") == ["low", "high"])
        #expect(recorded.notes.isEmpty)
        // Older records without it: the saved spec, read by the spec reader, and a note saying so.
        let older = try ExperimentResults.load(path: try Self.folder(try cells(nil), spec: spec))
        #expect(older.axes == ["loss", "bucket"] && older.values(of: "loss") == ["dpo", "dpop"] && older.values(of: "bucket") == ["low", "high"])
        #expect(older.notes.count == 1 && older.notes[0].contains("2 of 2 cells") && older.notes[0].contains("it is taken from \(older.root)/spec.yaml"))
        // No readable spec either: sorted, and the note says why.
        let unsorted = try ExperimentResults.load(path: try Self.folder(try cells(nil), spec: "name: tmp\ngrid: 3\n"))
        #expect(unsorted.axes == ["bucket", "loss"] && unsorted.values(of: "bucket") == ["high", "low"])
        #expect(unsorted.notes.count == 1 && unsorted.notes[0].contains("sorted by name and number"))
    }
}
