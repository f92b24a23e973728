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

    @Test func packTimesScoringOrSFTSteps() {
        for args in [["bench", "--pack", "--loss", "dpo"], ["bench", "--pack", "--decode"]] {
            let refused = CommandLineHarness.parse(args)
            #expect(refused.exitCode == 64 && refused.message.contains("--pack times scoring or SFT steps"), "\(args)")
        }
        #expect(CommandLineHarness.parse(["bench", "--score", "--pack"]).exitCode == nil)
        #expect(CommandLineHarness.parse(["bench", "--loss", "sft", "--pack"]).exitCode == nil)
    }

    /// `--no-share-trunk` reaches the run's configuration; sharing is the default.
    @Test func shareTrunkIsTheDefaultAndNoShareTrunkTurnsItOff() throws {
        let on = try TrainCommand.parse(["--task", "arith"])
        #expect(try on.runConfig(start: nil).train.shareTrunk == true)
        let off = try TrainCommand.parse(["--task", "arith", "--no-share-trunk"])
        #expect(try off.runConfig(start: nil).train.shareTrunk == false)
        let packed = try TrainCommand.parse(["--task", "arith", "--sft-pack"])
        #expect(try packed.runConfig(start: nil).sft.pack == true && on.runConfig(start: nil).sft.pack == false)
    }

    @Test func predictorsRefusesANegativeResampleCount() {
        let refused = CommandLineHarness.parse(["predictors", "results/x", "--resamples=-1"])
        #expect(refused.exitCode == 64 && refused.message.contains("--resamples must be ≥ 0"))
    }
}
