import ArgumentParser
@testable import dpop

/// Runs `dpop ARGS…` through the same parser, validation and error mapping the binary uses (in the
/// swift-argument-parser manner: `parseAsRoot`, then `exitCode(for:)` and `message(for:)`), without
/// starting a process; `run()` is not called, so nothing trains.
enum CommandLineHarness {
    /// What the binary would do with `arguments` before running the command.
    struct Outcome {
        /// The exit code of a parse or validation failure (or of `--help`: 0); nil when the command would run.
        var exitCode: Int32?
        /// What the binary prints for it (error message, or the help text).
        var message: String
        /// The parsed command when it would run.
        var command: (any ParsableCommand)?
    }

    static func parse(_ arguments: [String]) -> Outcome {
        do {
            var command = try DPOP.parseAsRoot(arguments)
            // `--help` parses to the parser's help command, whose run() prints the help and exits 0.
            if String(describing: type(of: command)) == "HelpCommand" { try command.run() }
            return Outcome(exitCode: nil, message: "", command: command)
        } catch {
            return Outcome(exitCode: DPOP.exitCode(for: error).rawValue, message: DPOP.fullMessage(for: error), command: nil)
        }
    }

    /// Every subcommand's name and type.
    static var subcommands: [(name: String, type: any ParsableCommand.Type)] {
        DPOP.configuration.subcommands.map { ($0._commandName, $0) }
    }
}
