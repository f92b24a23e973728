import DPOPExperiments
import Testing
@testable import dpop

/// The scheduler's child command line and what `dpop run` parses must stay one contract.
@Suite struct CellInvocationTests {
    static let invocations = [
        CellInvocation(specPath: "experiments/quickstart.yaml", cellID: "0123456789ab", resultsRoot: "/tmp/results"),
        CellInvocation(specPath: "spec with space.yaml", overrides: ["train.steps=50", "beta=0.1,0.3", "~grid.lambda"],
                       cellID: "deadbeef0000", resultsRoot: "r", threads: 3,
                       retryFailed: true, force: true),
        CellInvocation(specPath: "s.yaml", cellID: "abc", resultsRoot: "results", threads: 1, retryFailed: true),
        CellInvocation(specPath: "s.yaml", cellID: "abc", resultsRoot: "results",
                       skippedExitCode: CellInvocation.schedulerSkippedExitCode, parentPID: 4242),
    ]

    @Test(arguments: invocations)
    func theChildsArgumentsParseBackToTheSameInvocation(invocation: CellInvocation) throws {
        let parsed = try DPOP.parseAsRoot(invocation.arguments)
        let run = try #require(parsed as? RunCommand)
        #expect(run.cellInvocation == invocation)
    }

    @Test func theSlurmTaskLineIsTheSameCommandWithShellExpressions() {
        let invocation = CellInvocation(specPath: "my spec.yaml", cellID: "", resultsRoot: "/r", retryFailed: true)
        let line = invocation.shellCommand(executable: "/bin/dpop", cellIDExpression: "\"$ID\"",
                                           threadsExpression: "\"$T\"", quote: SbatchScript.shellQuoted)
        #expect(line == "/bin/dpop run 'my spec.yaml' --cell \"$ID\" --results /r --threads \"$T\" --retry-failed")
    }
}
