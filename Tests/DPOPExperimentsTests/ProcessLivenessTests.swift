import Foundation
import Testing
@testable import DPOPExperiments

/// A lock whose owner was killed must look stale even while the owner lingers as an unreaped zombie.
@Suite struct ProcessLivenessTests {
    @Test func thisProcessRuns() {
        #expect(ProcessLiveness.isRunning(getpid()))
        #expect(!ProcessLiveness.isRunning(0) && !ProcessLiveness.isRunning(-1))
    }

    /// A lock claimed before this process started names a pid that was since given to another program.
    @Test func aPidReusedAfterTheClaimIsNotTheOwner() {
        let host = ProcessInfo.processInfo.hostName
        let iso = ISO8601DateFormatter()
        let longAgo = CellLock(pid: getpid(), host: host, started: iso.string(from: Date(timeIntervalSince1970: 1_000_000_000)), slurmJob: nil)
        let now = CellLock(pid: getpid(), host: host, started: iso.string(from: Date()), slurmJob: nil)
        #expect(ProcessLiveness.procStat(getpid())?.started != nil)
        #expect(!longAgo.isAlive(slurm: .system))
        #expect(now.isAlive(slurm: .system))
    }

    @Test func anUnreapedChildIsAZombieAndNotRunning() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&pid, "/bin/true", nil, nil, argv, environ) == 0)
        // not waited for: once it exits it stays a zombie, and kill(pid, 0) still succeeds
        var zombie = false
        for _ in 0..<200 where !zombie {
            usleep(10_000)
            zombie = ProcessLiveness.isZombie(pid)
        }
        #expect(zombie)
        #expect(kill(pid, 0) == 0)
        #expect(!ProcessLiveness.isRunning(pid))
        let lock = CellLock(pid: pid, host: ProcessInfo.processInfo.hostName, started: "", slurmJob: nil)
        #expect(!lock.isAlive(slurm: .system))
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
