import Foundation

/// Whether Slurm jobs and array tasks are still queued or running, asked of `squeue`.
///
/// A cell lock written by a Slurm task on another host cannot be checked by its pid; it is alive
/// while its task is in the queue. One `squeue -h -r -j JOB` call answers for every task of an
/// array job, and answers are kept for `maxAge` seconds, so a status over many cells asks once
/// per job. The query is a closure so tests can stand in for Slurm.
public final class SlurmQueue: @unchecked Sendable {
    /// A job's or task's state in the queue.
    public enum JobState: Equatable, Sendable {
        /// Listed by squeue with this state (PENDING, RUNNING, COMPLETING, SUSPENDED, …).
        case active(String)
        /// No longer in the queue, or listed in a finished state (COMPLETED, CANCELLED, FAILED, TIMEOUT, …).
        case ended
        /// Slurm could not be asked (no squeue, no controller): callers keep their conservative rule.
        case unknown

        /// True for `.active`.
        public var isActive: Bool { if case .active = self { return true } else { return false } }
    }

    /// The tasks of job `job` that Slurm lists, by their printed id (`123_4`, or `123` for a plain
    /// job) to their state name; an empty listing when the job has left the queue; nil when Slurm
    /// could not be asked.
    public typealias Query = @Sendable (_ job: String) -> [String: String]?

    /// States in which the job's processes are gone or going.
    public static let finishedStates: Set<String> = [
        "COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY",
        "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT",
    ]

    /// The queue as `squeue` on PATH reports it (shared; answers kept for 5 s).
    public static let system = SlurmQueue(query: SlurmQueue.squeue)

    private let query: Query
    private let maxAge: TimeInterval
    private let lock = NSLock()
    private var cache: [String: (at: Date, listing: [String: String]?)] = [:]

    /// A queue answering through `query`, each job's answer reused for `maxAge` seconds.
    public init(maxAge: TimeInterval = 5, query: @escaping Query) {
        self.query = query
        self.maxAge = maxAge
    }

    /// The state of `slurmJob` as stored in locks and records (`123_4` or `123`).
    public func state(of slurmJob: String) -> JobState {
        guard let id = SlurmTaskID(slurmJob) else { return .unknown }
        return state(of: id)
    }

    /// The state of one job or array task.
    public func state(of id: SlurmTaskID) -> JobState {
        guard let listing = listing(id.job) else { return .unknown }
        guard let name = listing[id.description] else { return .ended }
        let state = name.uppercased()
        return Self.finishedStates.contains(state) ? .ended : .active(state)
    }

    /// Forgets every cached answer.
    public func refresh() {
        lock.lock()
        cache.removeAll()
        lock.unlock()
    }

    private func listing(_ job: String) -> [String: String]? {
        lock.lock()
        if let hit = cache[job], Date().timeIntervalSince(hit.at) < maxAge {
            lock.unlock()
            return hit.listing
        }
        lock.unlock()
        let answer = query(job)
        lock.lock()
        cache[job] = (Date(), answer)
        lock.unlock()
        return answer
    }

    /// Asks `squeue -h -r -j JOB -o '%i %T'` (one line per array task). A job that has left the
    /// controller's memory makes squeue fail with "Invalid job id": an empty listing.
    public static let squeue: Query = { job in
        guard let result = try? SlurmCommand("squeue", timeout: 20).run(["-h", "-r", "-j", job, "-o", "%i %T"]) else {
            return nil
        }
        if result.status != 0 {
            return result.stderr.lowercased().contains("invalid job id") ? [:] : nil
        }
        return parse(result.stdout)
    }

    /// Parses `squeue -o '%i %T'` lines into id → state.
    public static func parse(_ output: String) -> [String: String] {
        var listing: [String: String] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { continue }
            listing[String(fields[0])] = String(fields[1])
        }
        return listing
    }
}
