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

    /// `runs/<id>/run.json` decoded; nil when there is none, a decoding error when it cannot be read,
    /// and `RecordMismatch` when it is another cell's record (a folder copied by hand): counting it as
    /// this cell's result would report one run twice and this cell as done.
    private func readRecord(_ id: String) throws -> RunRecord? {
        let url = runDirectory(id).appendingPathComponent("run.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
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
