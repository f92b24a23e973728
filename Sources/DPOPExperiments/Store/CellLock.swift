import DPOPTrainer
import Foundation

/// A lock file claiming a cell (or a cache entry): held as an exclusive `flock` on an open
/// descriptor (the kernel drops it when the holder dies, however it dies), with the owner's pid,
/// host and, under Slurm, job id written inside for people, `status` and hosts that do not share the lock.
///
/// Why this is safe to race (the takeover of a stale lock used to delete the lock *file* after
/// judging it stale, by when another taker may have replaced it with its own fresh lock):
/// - Holding means: this process holds the `flock` of inode I, and the path named I at some moment
///   after the `flock` was granted. Acquiring checks that (fstat of the descriptor == stat of the
///   path) and otherwise starts over.
/// - The path stops naming I only by `unlink`, and only a holder of I's `flock` unlinks it
///   (`release`, `breakStale`); nothing renames over a lock file or deletes one unlocked. So from the
///   check until its own release, a holder's path names its inode, and two holders at once would
///   hold the exclusive `flock` of one inode at once, which the kernel does not grant.
/// - A waiter that opened I before its holder unlinked it gets I's `flock` later, sees the path
///   missing or naming a new inode, and retries on that: it never holds an unlinked inode.
/// - Stale takeover needs no delete: whoever is granted the `flock` rewrites the contents in
///   place. The old contents are still judged, for owners that do not hold a `flock` we can see
///   (another host on a filesystem whose `flock` is host-local, an older dpop): a live one is respected.
/// - Threads of one process exclude each other through `HeldLocks` before touching the file, and a
///   process never opens a lock it holds again: where `flock` is emulated with POSIX record locks
///   (NFS), those are per process and closing any descriptor of the file drops them.
/// Across hosts the exclusion is as good as the filesystem's `flock` (NFS and Lustre with `-o flock`
/// share it; with host-local `flock` two hosts taking over one stale lock in the same instant can
/// both win); Slurm's queue and the pid inside still tell live owners from dead ones.
public struct CellLock: Codable, Sendable, Equatable {
    public var pid: Int32
    public var host: String
    public var started: String
    public var slurmJob: String?

    public init(pid: Int32, host: String, started: String, slurmJob: String?) {
        self.pid = pid
        self.host = host
        self.started = started
        self.slurmJob = slurmJob
    }

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

    /// True for a lock from another host without a Slurm job: nothing here can tell whether its
    /// owner still runs, so it counts as alive until someone breaks it (`dpop run --break-lock`).
    public var isUnverifiable: Bool { host != ProcessInfo.processInfo.hostName && slurmJob == nil }

    /// Who holds it, for messages: "pid 123 on node7 (Slurm job 45_6)".
    public var owner: String {
        "pid \(pid) on \(host)" + (slurmJob.map { " (Slurm job \($0))" } ?? "")
    }

    /// The lock this process would write now.
    static var mine: CellLock {
        let env = ProcessInfo.processInfo.environment
        let job = env["SLURM_ARRAY_JOB_ID"].map { "\($0)_\(env["SLURM_ARRAY_TASK_ID"] ?? "")" } ?? env["SLURM_JOB_ID"]
        return CellLock(pid: getpid(), host: ProcessInfo.processInfo.hostName,
                        started: ISO8601DateFormatter().string(from: Date()), slurmJob: job)
    }

    /// Reads a lock file; for a lock this process holds, what it wrote (without opening the file again).
    public static func read(_ url: URL) -> CellLock? {
        if let mine = HeldLocks.shared.lock(at: url) { return mine }
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return decode(data)
    }

    private static func decode(_ data: Data) -> CellLock? {
        try? JSONDecoder().decode(CellLock.self, from: data)
    }

    /// Tries to claim `url`: true when this process now holds it. A stale lock (its owner gone) is
    /// taken over; a live one, or one another thread of this process holds, gives false.
    public static func acquire(_ url: URL, slurm: SlurmQueue = .system) throws -> Bool {
        guard HeldLocks.shared.reserve(url) else { return false }
        do {
            let me = mine
            guard let fd = try claim(url, as: me, slurm: slurm, foreignOwnerIsDead: false).descriptor else {
                HeldLocks.shared.cancel(url)
                return false
            }
            HeldLocks.shared.commit(url, descriptor: fd, lock: me)
            return true
        } catch {
            HeldLocks.shared.cancel(url)
            throw error
        }
    }

    /// Releases a lock this process holds (a no-op otherwise): removes the file, then drops the `flock`.
    public static func release(_ url: URL) {
        guard let fd = HeldLocks.shared.remove(url) else { return }
        if names(url, descriptor: fd) { unlink(url.path) }
        close(fd)
    }

    /// What `breakStale` found.
    public enum BreakResult: Equatable, Sendable {
        /// There was no lock file.
        case absent
        /// The lock was removed; its owner, if it could be read.
        case removed(CellLock?)
        /// The owner is alive (or holds the `flock`, `owner` nil when it has not written itself yet).
        case live(CellLock?)
    }

    /// Removes a lock whose owner is gone, for `dpop run --break-lock`: unlike `acquire`, a lock
    /// from another host without a Slurm job counts as dead (the user says so); a lock whose `flock`
    /// is held, whose owner runs on this host, or whose Slurm task is queued or running is kept.
    public static func breakStale(_ url: URL, slurm: SlurmQueue = .system) throws -> BreakResult {
        guard FileManager.default.fileExists(atPath: url.path) else { return .absent }
        guard HeldLocks.shared.reserve(url) else { return .live(read(url)) }
        defer { HeldLocks.shared.cancel(url) }
        let claimed = try claim(url, as: mine, slurm: slurm, foreignOwnerIsDead: true)
        guard let fd = claimed.descriptor else { return .live(claimed.previous) }
        if names(url, descriptor: fd) { unlink(url.path) }
        close(fd)
        return .removed(claimed.previous)
    }

    /// Opens and `flock`s the file `url` names, judges what is inside and, when it is free or stale,
    /// writes `me` into it. Returns the descriptor (nil when someone live holds it) and the
    /// previous contents.
    private static func claim(_ url: URL, as me: CellLock, slurm: SlurmQueue,
                              foreignOwnerIsDead: Bool) throws -> (descriptor: Int32?, previous: CellLock?) {
        let path = url.path
        // Each retry follows a release that happened between our open and our flock; under heavy
        // churn give up rather than spin (the caller treats it as "held").
        for _ in 0..<1000 {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw DPOPError.io(path: path, message: "cannot open lock: \(String(cString: strerror(errno)))") }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                close(fd)
                if code == EWOULDBLOCK { return (nil, nil) }
                throw DPOPError.io(path: path, message: "cannot lock (flock): \(String(cString: strerror(code)))")
            }
            guard names(url, descriptor: fd) else {
                close(fd)
                continue
            }
            let previous = decode(contents(of: fd))
            if let previous {
                let foreign = previous.host != ProcessInfo.processInfo.hostName
                let alive = foreignOwnerIsDead && foreign && previous.slurmJob == nil ? false : previous.isAlive(slurm: slurm)
                if alive {
                    close(fd)
                    return (nil, previous)
                }
            }
            do {
                try write(me, to: fd, path: path)
            } catch {
                close(fd)
                throw error
            }
            return (fd, previous)
        }
        return (nil, nil)
    }

    /// True when `url` names the inode `fd` has open.
    private static func names(_ url: URL, descriptor fd: Int32) -> Bool {
        var held = stat(), named = stat()
        guard fstat(fd, &held) == 0, stat(url.path, &named) == 0 else { return false }
        return held.st_dev == named.st_dev && held.st_ino == named.st_ino
    }

    private static func contents(of fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var offset: off_t = 0
        while true {
            let n = pread(fd, &buffer, buffer.count, offset)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            offset += off_t(n)
        }
        return data
    }

    private static func write(_ lock: CellLock, to fd: Int32, path: String) throws {
        let data = try JSONEncoder().encode(lock)
        guard ftruncate(fd, 0) == 0 else {
            throw DPOPError.io(path: path, message: "cannot write lock: \(String(cString: strerror(errno)))")
        }
        var written = 0
        while written < data.count {
            let n = data.withUnsafeBytes { pwrite(fd, $0.baseAddress! + written, data.count - written, off_t(written)) }
            guard n > 0 else {
                throw DPOPError.io(path: path, message: "cannot write lock: \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }
}
