import Testing
@testable import dpop

/// The flags of the displacement diagnostics and of packing refuse what they cannot do, before anything runs.
@Suite struct DiagnosticsFlagTests {
    @Test func pairRecordsNeedAnOutputFolder() {
        let refused = CommandLineHarness.parse(["train", "--task", "arith", "--pair-records"])
        #expect(refused.exitCode == 64)
        #expect(refused.message.contains("--pair-records writes pairs.jsonl") && refused.message.contains("--out DIR"))
        #expect(CommandLineHarness.parse(["train", "--task", "arith", "--pair-records", "--out", "/tmp/x"]).exitCode == nil)
    }

    @Test func packTimesScoringOnly() {
        let refused = CommandLineHarness.parse(["bench", "--pack"])
        #expect(refused.exitCode == 64 && refused.message.contains("--pack times scoring: give --score"))
        #expect(CommandLineHarness.parse(["bench", "--score", "--pack"]).exitCode == nil)
    }

    @Test func predictorsRefusesANegativeResampleCount() {
        let refused = CommandLineHarness.parse(["predictors", "results/x", "--resamples=-1"])
        #expect(refused.exitCode == 64 && refused.message.contains("--resamples must be ≥ 0"))
    }
}
