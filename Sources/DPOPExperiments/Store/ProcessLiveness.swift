import Foundation

/// Whether a process on this host still runs, for telling live locks and work folders from stale ones.
public enum ProcessLiveness {
    /// True while `pid` exists and is not a zombie. A process killed with `kill -9` stays a zombie
    /// until its parent reaps it — forever in a container whose init does not reap orphans — and
    /// `kill(pid, 0)` succeeds on a zombie, so its lock would look live.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return !isZombie(pid)
    }

    /// True when /proc says `pid` is a zombie (state Z) or dead (X); false when /proc cannot tell.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        // "pid (comm) S …": comm may hold spaces and parentheses, so the state follows the last ')'
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state == "Z" || state == "X"
    }
}
