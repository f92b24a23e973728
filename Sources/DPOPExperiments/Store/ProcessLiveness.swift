import Foundation

/// Whether a process on this host still runs, for telling live locks and work folders from stale ones.
public enum ProcessLiveness {
    /// True while `pid` exists and is not a zombie. A process killed with `kill -9` stays a zombie
    /// until its parent reaps it — forever in a container whose init does not reap orphans — and
    /// `kill(pid, 0)` succeeds on a zombie, so its lock would look live. With `claimedAt` (when the
    /// owner wrote its lock), a process that started more than a minute after that is another
    /// program that was given the same pid, and does not count. (The minute absorbs clock steps:
    /// judging a live owner stale would let two processes run one cell.)
    public static func isRunning(_ pid: Int32, claimedAt: Date? = nil) -> Bool {
        guard pid > 0 else { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = procStat(pid) else { return true }  // no /proc: trust kill(2)
        if isDead(stat.state) { return false }
        if let claimedAt, let started = stat.started, started > claimedAt.addingTimeInterval(60) { return false }
        return true
    }

    /// True when /proc says `pid` is a zombie (state Z) or dead (X); false when /proc cannot tell.
    static func isZombie(_ pid: Int32) -> Bool {
        procStat(pid).map { isDead($0.state) } ?? false
    }

    /// Zombie (Z) or dead (X) in /proc's state letters.
    private static func isDead(_ state: Character) -> Bool { state == "Z" || state == "X" }

    /// State letter and start time of `pid` from /proc/<pid>/stat (Linux), nil elsewhere.
    static func procStat(_ pid: Int32) -> (state: Character, started: Date?)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // "pid (comm) S ppid …": comm may hold spaces and parentheses, so fields count from the last ')'
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard let state = fields.first?.first else { return nil }
        // field 22, starttime, in clock ticks after boot
        guard fields.count > 19, let ticks = Double(fields[19]), let boot = bootTime else { return (state, nil) }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (state, hz > 0 ? boot.addingTimeInterval(ticks / hz) : nil)
    }

    /// When this host booted (`btime` in /proc/stat).
    private static let bootTime: Date? = {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            if let seconds = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) {
                return Date(timeIntervalSince1970: seconds)
            }
        }
        return nil
    }()
}
