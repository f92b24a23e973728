import Foundation

/// What can go wrong between dpop and Slurm; each case says what happened and what to try.
public enum SlurmError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A Slurm client command (`sbatch`, `squeue`) is not on PATH.
    case toolNotFound(String)
    /// `sbatch` exited non-zero; its standard error, and the script it was given.
    case sbatchRefused(status: Int32, stderr: String, script: String)
    /// `sbatch --parsable` printed something that is not a job id.
    case unexpectedSbatchOutput(output: String, script: String)
    /// A Slurm command did not finish in time.
    case timedOut(command: String, seconds: Double)
    /// A launcher option Slurm would not accept.
    case invalidOption(option: String, value: String, hint: String)
    /// `dpop status` was pointed at something that is not an experiment's results folder.
    case notAResultsFolder(path: String)

    public var description: String {
        switch self {
        case .toolNotFound("sbatch"):
            return "sbatch not found on PATH; is this a Slurm login node?\nhint: --dry-run writes the script without submitting"
        case .toolNotFound(let tool):
            return "\(tool) not found on PATH; is this a Slurm login node?"
        case .sbatchRefused(let status, let stderr, let script):
            let message = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "sbatch refused the job (exit \(status)): \(message.isEmpty ? "no message" : message)\n"
                + "script: \(script)\n"
                + "hint: check --partition, --time, --mem and --sbatch-arg against `sinfo` and your site's limits; "
                + "--dry-run writes the script without submitting"
        case .unexpectedSbatchOutput(let output, let script):
            return "sbatch --parsable printed '\(output.trimmingCharacters(in: .whitespacesAndNewlines))', not a job id\nscript: \(script)"
        case .timedOut(let command, let seconds):
            return "\(command) did not finish within \(Int(seconds)) s\nhint: is slurmctld reachable? try `sinfo`"
        case .invalidOption(let option, let value, let hint):
            return "\(option) \(value): \(hint)"
        case .notAResultsFolder(let path):
            return "\(path) is not an experiment's results folder (no runs/, locks/ or slurm/ inside)\n"
                + "hint: pass RESULTS/<name>, e.g. results/quickstart; `dpop run SPEC` creates it"
        }
    }
}
