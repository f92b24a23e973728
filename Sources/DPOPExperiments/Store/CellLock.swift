import DPOPTrainer
import Foundation

/// A lock file claiming a cell (or a cache entry): created with O_EXCL, holding the owner's pid,
/// host and, under Slurm, job id; stale once that process is gone.
public struct CellLock: Codable, Sendable {
    public var pid: Int32
    public var host: String
    public var started: String
    public var slurmJob: String?

    /// True while the owner may still hold the cell; asks the system's Slurm queue (see `isAlive(slurm:)`).
    public var isAlive: Bool { isAlive(slurm: .system) }

    /// True while the owner may still hold the cell. On this host: while its process exists. On
    /// another host: while its Slurm job or array task is queued or running (a task killed by
    /// `scancel`, a time limit or a node failure leaves a stale lock); a lock from another host
    /// without a Slurm job, or when Slurm cannot be asked, counts as alive.
    public func isAlive(slurm: SlurmQueue) -> Bool {
        if host == ProcessInfo.processInfo.hostName {
            return ProcessLiveness.isRunning(pid, claimedAt: ISO8601DateFormatter().date(from: started))
        }
        guard let slurmJob else { return true }
        return slurm.state(of: slurmJob) != .ended
    }

    /// Reads a lock file.
    public static func read(_ url: URL) -> CellLock? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? JSONDecoder().decode(CellLock.self, from: data)
    }

    /// Tries to claim `url`: true when this process now holds it. A stale lock is removed and retried.
    public static func acquire(_ url: URL, slurm: SlurmQueue = .system) throws -> Bool {
        let env = ProcessInfo.processInfo.environment
        let job = env["SLURM_ARRAY_JOB_ID"].map { "\($0)_\(env["SLURM_ARRAY_TASK_ID"] ?? "")" } ?? env["SLURM_JOB_ID"]
        let me = CellLock(pid: getpid(), host: ProcessInfo.processInfo.hostName,
                          started: ISO8601DateFormatter().string(from: Date()), slurmJob: job)
        let data = try JSONEncoder().encode(me)
        for _ in 0..<2 {
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 {
                _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                return true
            }
            guard errno == EEXIST else {
                throw DPOPError.io(path: url.path, message: "cannot create lock: \(String(cString: strerror(errno)))")
            }
            // Read once and decide on that one reading: reading again could see the file its owner
            // has written meanwhile, and removing it then would let two processes hold the lock.
            guard let existing = read(url) else {
                // Unreadable: either being written right now (give its writer a moment) or garbage.
                usleep(200_000)
                if read(url) == nil { try? FileManager.default.removeItem(at: url) }
                continue
            }
            if existing.isAlive(slurm: slurm) { return false }
            try? FileManager.default.removeItem(at: url)
        }
        return false
    }

    /// Releases a lock this process holds.
    public static func release(_ url: URL) {
        if let lock = read(url), lock.pid == getpid(), lock.host == ProcessInfo.processInfo.hostName {
            try? FileManager.default.removeItem(at: url)
        }
    }
}
