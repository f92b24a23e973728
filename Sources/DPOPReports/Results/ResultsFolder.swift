import DPOPExperiments
import DPOPTrainer
import Foundation

/// Reads a results folder `RESULTS/<name>/` as `dpop run` writes it.
public enum ResultsFolder {
    /// Loads the spec header, every `runs/<id>/run.json` with its `metrics.jsonl`, and the live locks.
    ///
    /// Work folders (`runs/.work-…`) are skipped: they are attempts in progress or remains of killed ones.
    /// `lockIsLive` decides whether a lock file still marks a running cell (default: `CellLock`'s own
    /// test, as `dpop status` uses); a stale lock's cell is not running, it waits for the next `dpop run`.
    public static func load(path: String, lockIsLive: (URL) -> Bool = ResultsFolder.lockIsLive) throws -> ExperimentResults {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.notAResultsFolder(path: path, reason: "no such folder")
        }
        let runsDir = root.appendingPathComponent("runs")
        let specURL = root.appendingPathComponent("spec.yaml")
        guard fm.fileExists(atPath: runsDir.path) || fm.fileExists(atPath: specURL.path) else {
            throw ReportError.notAResultsFolder(path: path, reason: "it has neither runs/ nor spec.yaml")
        }
        let specText = fm.contents(atPath: specURL.path).map { String(decoding: $0, as: UTF8.self) }
        let header = specText.map(SpecHeader.init(yaml:)) ?? SpecHeader()

        let locksDir = root.appendingPathComponent("locks")
        let locked = Set(((try? fm.contentsOfDirectory(atPath: locksDir.path)) ?? [])
            .filter { $0.hasSuffix(".lock") && lockIsLive(locksDir.appendingPathComponent($0)) }
            .map { String($0.dropLast(".lock".count)) })

        var runs: [RunResult] = []
        let entries = (try? fm.contentsOfDirectory(atPath: runsDir.path)) ?? []
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let dir = runsDir.appendingPathComponent(entry)
            let runFile = dir.appendingPathComponent("run.json")
            guard fm.fileExists(atPath: runFile.path) else { continue }
            var run = try loadRun(runFile: runFile, metricsFile: dir.appendingPathComponent("metrics.jsonl"))
            // A failed or interrupted cell whose lock is back is being run again.
            if (run.status == .failed || run.status == .interrupted) && locked.contains(run.id) { run.status = .running }
            runs.append(run)
        }
        let withResult = Set(runs.map(\.id))
        let name = header.name ?? runs.first?.experiment ?? root.lastPathComponent
        return ExperimentResults(root: root.path, name: name, description: header.description, specText: specText,
                                 runs: runs, runningWithoutResult: locked.subtracting(withResult).sorted())
    }

    /// True unless the lock is readable and its owner is known to be gone (an unreadable lock may be
    /// one being written right now).
    public static func lockIsLive(_ url: URL) -> Bool {
        CellLock.read(url)?.isAlive ?? true
    }

    /// Reads one cell's `run.json` and, when present, its `metrics.jsonl`.
    public static func loadRun(runFile: URL, metricsFile: URL) throws -> RunResult {
        let path = runFile.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError.badRunFile(path: path, message: "cannot read the file")
        }
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ReportError.badRunFile(path: path, message: "expected a JSON object")
            }
            object = o
        } catch let e as ReportError {
            throw e
        } catch {
            throw ReportError.badRunFile(path: path, message: "not JSON: \(error.localizedDescription)")
        }
        guard let id = object["id"] as? String else {
            throw ReportError.badRunFile(path: path, message: "missing \"id\" (a string)")
        }
        guard let statusText = object["status"] as? String else {
            throw ReportError.badRunFile(path: path, message: "missing \"status\" (\"completed\", \"failed\" or \"interrupted\")")
        }
        // An interrupted cell has no final result yet and runs again on the next `dpop run`; its error says why.
        // Earlier versions wrote "done" for completed.
        guard let status = RunStatus(stored: statusText), status != .running else {
            throw ReportError.badRunFile(path: path, message: "status \"\(statusText)\" is not \"completed\", \"failed\" or \"interrupted\"")
        }
        var values: [String: String] = [:]
        var notApplicable: Set<String> = []
        if let raw = object["values"] {
            guard let dict = raw as? [String: Any] else {
                throw ReportError.badRunFile(path: path, message: "\"values\" must be an object of axis → value")
            }
            for (axis, v) in dict {
                let text = scalarText(v)
                if text == "-" { notApplicable.insert(axis) } else { values[axis] = text }
            }
        }
        var config: [String: String] = [:]
        if let c = object["config"] as? [String: Any] { flatten(c, prefix: "", into: &config) }

        var final: EvalRecord?
        if let f = object["final"], !(f is NSNull) {
            do {
                final = try JSONDecoder().decode(EvalRecord.self, from: JSONSerialization.data(withJSONObject: f))
            } catch {
                throw ReportError.badRunFile(path: path, message: "\"final\" is not an eval record: \(describe(error))")
            }
        }
        let history = FileManager.default.fileExists(atPath: metricsFile.path) ? try loadMetrics(metricsFile) : []
        return RunResult(
            id: id, experiment: object["experiment"] as? String ?? "", status: status, values: values, notApplicable: notApplicable, config: config,
            provenance: (object["provenance"] as? [String: Any]).map(RunProvenance.init(json:)),
            started: object["started"] as? String, finished: object["finished"] as? String,
            seconds: (object["seconds"] as? NSNumber)?.doubleValue, error: object["error"] as? String,
            final: status == .completed ? (final ?? history.last) : final, history: history)
    }

    /// Reads `metrics.jsonl`: one eval record per line; a bad line is an error naming `file:line`.
    public static func loadMetrics(_ url: URL) throws -> [EvalRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportError.io(path: url.path, message: "cannot read the file")
        }
        let decoder = JSONDecoder()
        var records: [EvalRecord] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            do {
                records.append(try decoder.decode(EvalRecord.self, from: Data(line.utf8)))
            } catch {
                throw ReportError.badMetricsLine(file: url.path, line: i + 1, message: describe(error))
            }
        }
        return records.sorted { $0.step < $1.step }
    }

    /// A decoding error in one line: which key is missing or has the wrong type.
    static func describe(_ error: Error) -> String { DecodingErrorText.describe(error) }

    /// A JSON scalar as the text a spec would write (`0.1`, `50`, `true`, `dpo`).
    static func scalarText(_ value: Any) -> String {
        switch value {
        case let s as String: return s
        case let n as NSNumber:
            // JSONSerialization hands booleans over as a boolean NSNumber subclass on Linux and macOS alike.
            if String(describing: type(of: n)).contains("Boolean") { return n.boolValue ? "true" : "false" }
            let d = n.doubleValue
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        case is NSNull: return "null"
        default:
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func flatten(_ object: [String: Any], prefix: String, into out: inout [String: String]) {
        for (key, value) in object {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any] { flatten(nested, prefix: path, into: &out) }
            else { out[path] = scalarText(value) }
        }
    }
}
