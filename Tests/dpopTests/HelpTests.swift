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

    @Test func theRootHelpListsEveryCommand() {
        let outcome = CommandLineHarness.parse(["--help"])
        #expect(outcome.exitCode == 0)
        for (name, _) in CommandLineHarness.subcommands { #expect(outcome.message.contains(name)) }
    }
}
