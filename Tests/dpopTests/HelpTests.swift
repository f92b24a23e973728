import DPOPTrainer
import Testing
@testable import dpop

/// `--help` of every command renders (exit 0) and names the command.
@Suite struct HelpTests {
    @Test(arguments: CommandLineHarness.subcommands.map(\.name))
    func helpRendersForEveryCommand(name: String) {
        let outcome = CommandLineHarness.parse([name, "--help"])
        #expect(outcome.exitCode == 0)
        #expect(outcome.message.contains("dpop \(name)"), "\(outcome.message)")
    }

    @Test func trainHelpListsEveryLossName() {
        let outcome = CommandLineHarness.parse(["train", "--help"])
        #expect(outcome.exitCode == 0)
        // The help text wraps, so look for each name in the text with line breaks and indentation removed.
        let text = outcome.message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for name in PreferenceLossKind.allNames { #expect(text.contains(name), "\(name) missing from dpop train --help") }
        for flag in ["--tau", "--shift"] { #expect(text.contains(flag)) }
    }

    @Test func theRootHelpListsEveryCommand() {
        let outcome = CommandLineHarness.parse(["--help"])
        #expect(outcome.exitCode == 0)
        for (name, _) in CommandLineHarness.subcommands { #expect(outcome.message.contains(name)) }
    }
}
