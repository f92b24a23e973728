import DPOPTrainer
import Foundation

/// The results folder of one experiment: `spec.yaml`, `runs/<cell-id>/`, locks and logs.
///
/// A cell's files are written in a work folder and renamed into `runs/<id>` in one step, so a crash
/// or kill never leaves a half-written result where a finished one would be; a cell that was
/// running when its process died is found by its stale lock and runs again.
public struct ResultsStore: Sendable {
    /// `<results root>/<experiment name>`.
    public let root: URL
    public let experiment: String

    public init(resultsRoot: URL, experiment: String) {
        self.root = resultsRoot.appendingPathComponent(experiment)
        self.experiment = experiment
    }

    /// The store at `folder` (`RESULTS/<experiment>`), as `dpop status` and the reports open it.
    public init(folder: URL) {
        let url = folder.standardizedFileURL
        self.init(resultsRoot: url.deletingLastPathComponent(), experiment: url.lastPathComponent)
    }

    public var runsDirectory: URL { root.appendingPathComponent("runs") }
    public var locksDirectory: URL { root.appendingPathComponent("locks") }
    public var logsDirectory: URL { root.appendingPathComponent("logs") }

    public func runDirectory(_ id: String) -> URL { runsDirectory.appendingPathComponent(id) }
    public func lockFile(_ id: String) -> URL { locksDirectory.appendingPathComponent("\(id).lock") }
    public func logFile(_ id: String) -> URL { logsDirectory.appendingPathComponent("\(id).log") }

    /// Creates the folders and records the spec: `spec.yaml` is the latest, `spec-<sha12>.yaml` keeps
    /// every revision that ran.
    public func prepare(specText: String) throws -> String {
        let fm = FileManager.default
        for dir in [root, runsDirectory, locksDirectory, logsDirectory] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let sha = ContentHash.sha256(specText)
        let revision = root.appendingPathComponent("spec-\(sha.prefix(12)).yaml")
        if !fm.fileExists(atPath: revision.path) {
            try AtomicFile.write(Data(specText.utf8), to: revision)
        }
        // Each cell's child process prepares too: leave an unchanged spec.yaml alone (no write to fail on a full disk).
        let latest = root.appendingPathComponent("spec.yaml")
        if fm.contents(atPath: latest.path) != Data(specText.utf8) {
            try AtomicFile.write(Data(specText.utf8), to: latest)
        }
        return sha
    }

    /// The record of a finished or failed cell, nil when there is none (or it cannot be read).
    public func record(_ id: String) -> RunRecord? {
        try? readRecord(id)
    }

    /// Why `runs/<id>/run.json` exists but cannot be read (nil when it reads, or there is none): such a
    /// cell counts as pending, and running it moves that folder to `attempts/<id>/` untouched.
    public func unreadableRecord(_ id: String) -> String? {
        do {
            _ = try readRecord(id)
            return nil
        } catch {
            return DecodingErrorText.describe(error)
        }
    }

    public func recordFile(_ id: String) -> URL { runDirectory(id).appendingPathComponent("run.json") }
    public func metricsFile(_ id: String) -> URL { runDirectory(id).appendingPathComponent("metrics.jsonl") }

    /// `runs/<id>/run.json` decoded; nil when there is none, a decoding error when it cannot be read,
    /// and `RecordMismatch` when it is another cell's record (a folder copied by hand): counting it as
    /// this cell's result would report one run twice and this cell as done.
    private func readRecord(_ id: String) throws -> RunRecord? {
        guard let data = FileManager.default.contents(atPath: recordFile(id).path) else { return nil }
        let record = try JSONDecoder().decode(RunRecord.self, from: data)
        guard record.id == id else { throw RecordMismatch(folder: id, recorded: record.id) }
        return record
    }

    /// A run.json whose id is not its folder's.
    struct RecordMismatch: Error, CustomStringConvertible {
        let folder: String
        let recorded: String
        var description: String { "it is the record of cell \(recorded), not of \(folder)" }
    }

    /// Writes `record` as `run.json` into a cell's work folder (sorted keys, indented).
    public func write(_ record: RunRecord, into workDirectory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try FileWrite.data(try encoder.encode(record), to: workDirectory.appendingPathComponent("run.json"))
    }

    /// `runs/<id>/metrics.jsonl`: one eval record per line, in step order; empty when there is none.
    /// A line that is not an eval record is a `DPOPError.data` naming the file and line.
    public func history(_ id: String) throws -> [EvalRecord] {
        let url = metricsFile(id)
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = JSONDecoder()
        var records: [EvalRecord] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            do {
                records.append(try decoder.decode(EvalRecord.self, from: Data(line.utf8)))
            } catch {
                throw DPOPError.data(file: url.path, line: i + 1, message: DecodingErrorText.describe(error))
            }
        }
        return records.sorted { $0.step < $1.step }
    }

    /// Every cell under `runs/` with a run.json, by id; a cell whose run.json or metrics.jsonl cannot be
    /// read (or that records a status other than completed, failed, interrupted) is in `damaged` instead.
    /// Work folders (`runs/.work-…`) are attempts in progress or remains of killed ones: skipped.
    public func storedRuns() -> (runs: [StoredRun], damaged: [DamagedCell]) {
        var runs: [StoredRun] = []
        var damaged: [DamagedCell] = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory.path)) ?? []
        for id in entries.sorted() where !id.hasPrefix(".") {
            let file = recordFile(id).path
            let record: RunRecord
            do {
                guard let r = try readRecord(id) else { continue }
                record = r
            } catch {
                damaged.append(DamagedCell(id: id, path: file, reason: DecodingErrorText.describe(error)))
                continue
            }
            guard [.completed, .failed, .interrupted].contains(record.status) else {
                damaged.append(DamagedCell(id: id, path: file,
                                           reason: "status \"\(record.status.rawValue)\" is not \"completed\", \"failed\" or \"interrupted\""))
                continue
            }
            do {
                let history = try history(id)
                if let mismatch = Self.finalMismatch(record, history: history, metricsFile: metricsFile(id)) {
                    damaged.append(mismatch)
                    continue
                }
                runs.append(StoredRun(record: record, history: history))
            } catch DPOPError.data(let path, let line, let message) {
                damaged.append(DamagedCell(id: id, path: path, line: line, reason: message))
            } catch {
                damaged.append(DamagedCell(id: id, path: metricsFile(id).path, reason: "\(error)", rerunByDpopRun: false))
            }
        }
        return (runs, damaged)
    }

    /// Why a record's final eval (what tables report) is not the last line of its `metrics.jsonl` (what
    /// curves and exports show), nil when it is or the record has none: a truncated, missing or replaced
    /// metrics file would make the two disagree about one run.
    static func finalMismatch(_ record: RunRecord, history: [EvalRecord], metricsFile: URL) -> DamagedCell? {
        guard let final = record.final else { return nil }
        let path = metricsFile.path
        guard let last = history.last else {
            let what = FileManager.default.fileExists(atPath: path) ? "has no eval line" : "is missing"
            return DamagedCell(id: record.id, path: path, reason: "\(what), but run.json records a final eval at step \(final.step)",
                               rerunByDpopRun: false)
        }
        guard last != final else { return nil }
        let why = last.step < final.step ? "it ends at step \(last.step): truncated?" : last.step == final.step
            ? "its step-\(last.step) line has other values" : "it goes on to step \(last.step)"
        return DamagedCell(id: record.id, path: path, line: history.count,
                           reason: "does not end with run.json's final eval (step \(final.step)): \(why)")
    }

    /// Ids of the cells whose lock `isLive` says is held (default: `lockIsLive`, as `dpop status` decides).
    public func liveLocks(isLive: (URL) -> Bool = ResultsStore.lockIsLive) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: locksDirectory.path)) ?? []
        return Set(names.filter { $0.hasSuffix(".lock") && !$0.hasPrefix(".") && isLive(locksDirectory.appendingPathComponent($0)) }
            .map { String($0.dropLast(".lock".count)) })
    }

    /// True unless the lock is readable and its owner is known to be gone (an unreadable lock may be
    /// one being written right now).
    public static func lockIsLive(_ url: URL) -> Bool {
        CellLock.read(url)?.isAlive ?? true
    }

    /// `spec.yaml`, the latest spec that ran here, read by the spec reader; nil when there is none.
    public func savedSpec() -> SavedSpec? {
        let url = root.appendingPathComponent("spec.yaml")
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return SavedSpec(text: String(decoding: data, as: UTF8.self), file: url.path)
    }

    /// completed / failed / interrupted from run.json, running when a live process (or a queued or running Slurm task
    /// on another host, as `slurm` reports it) holds the lock, else pending.
    public func status(_ id: String, slurm: SlurmQueue = .system) -> CellStatus {
        if let lock = CellLock.read(lockFile(id)), lock.isAlive(slurm: slurm) { return .running }
        if let r = record(id), r.status == .completed || r.status == .failed || r.status == .interrupted { return r.status }
        return .pending
    }

    /// Why cell `id` is skipped as running when no one can verify its lock (another host, no Slurm
    /// job), with how to clear it; nil for any other cell.
    public func unverifiableLockNote(_ id: String, specPath: String) -> String? {
        guard let lock = CellLock.read(lockFile(id)), lock.isUnverifiable else { return nil }
        return "cell \(id) is locked by \(lock.owner), another host without a Slurm job: dpop cannot tell whether it still runs; "
            + "if it does not, clear it with `dpop run \(specPath) --break-lock \(id)`"
    }

    /// Whether `dpop run` leaves a cell alone: a running one always, a completed one unless `force`,
    /// a failed one unless `retryFailed` or it failed on a full disk (`RunRecord.transientFailure`);
    /// pending and interrupted cells run. `record` is the cell's run.json, if any.
    public static func skips(_ status: CellStatus, record: RunRecord?, retryFailed: Bool, force: Bool) -> Bool {
        switch status {
        case .running: true
        case .completed: !force
        case .failed: !retryFailed && record?.transientFailure != true
        case .interrupted, .pending: false
        }
    }

    /// Where earlier attempts of a cell are kept: `attempts/<id>/<n>/`.
    public func attemptsDirectory(_ id: String) -> URL { root.appendingPathComponent("attempts").appendingPathComponent(id) }

    /// Moves a completed work folder into `runs/<id>`; an earlier attempt there (failed, interrupted,
    /// or a finished one re-run with --force) is moved to `attempts/<id>/<n>/`, never deleted.
    public func publish(workDirectory: URL, id: String) throws {
        let fm = FileManager.default
        let target = runDirectory(id)
        if fm.fileExists(atPath: target.path) {
            let attempt = record(id)?.attempt ?? 0
            let keep = attemptsDirectory(id)
            try fm.createDirectory(at: keep, withIntermediateDirectories: true)
            var slot = keep.appendingPathComponent(String(attempt))
            if fm.fileExists(atPath: slot.path) { slot = keep.appendingPathComponent("\(attempt)-\(getpid())-\(Int(Date().timeIntervalSince1970))") }
            try fm.moveItem(at: target, to: slot)
        }
        guard rename(workDirectory.path, target.path) == 0 else {
            throw DPOPError.io(path: target.path, message: "rename from \(workDirectory.lastPathComponent) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Removes work folders of `id` left by processes that no longer exist (a `kill -9` mid-cell).
    public func removeStaleWorkFolders(_ id: String) {
        let prefix = ".work-\(id)-"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory.path)) ?? []
        for name in entries where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if !ProcessLiveness.isRunning(pid) {
                try? FileManager.default.removeItem(at: runsDirectory.appendingPathComponent(name))
            }
        }
    }

    /// A fresh work folder for a cell attempt.
    public func makeWorkDirectory(_ id: String) throws -> URL {
        let url = runsDirectory.appendingPathComponent(".work-\(id)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileWrite.diskFullOrSelf(error)
        }
        return url
    }


    /// Number of earlier attempts of a cell (from its run.json), 0 if none.
    public func attempts(_ id: String) -> Int { record(id)?.attempt ?? 0 }
}
