import Foundation
import Testing
@testable import DPOPExperiments

/// A child killed by a signal is reported as such, not as an exit code equal to the signal's number.
@Suite struct ChildEndingTests {
    static func ended(_ script: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        try p.run()
        p.waitUntilExit()
        return p
    }

    // SIGKILL: the one signal a test runner cannot have set to be ignored for its children.
    @Test func aSignalIsNamedAndAnExitCodeIsAnExitCode() throws {
        #expect(LocalScheduler.ending(try Self.ended("kill -KILL $$")) == "killed by signal 9 (Killed)")
        #expect(LocalScheduler.ending(try Self.ended("exit 6")) == "exit 6")
    }
}
