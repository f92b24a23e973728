/// Errors of the reports library; each names the file, option or value at fault and what would fix it.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// The folder is not a results folder (no `runs/`, unreadable).
    case notAResultsFolder(path: String, reason: String)
    case unknownMetric(String, known: [String])
    case unknownAxis(String, known: [String])
    /// `--step N` where no finished cell recorded step N.
    case stepNotRecorded(Int, recorded: [Int])
    /// A malformed command-line value (`--step`, `--baseline`, `--format` …).
    case badOption(option: String, value: String, expected: String)
    /// A selector like `loss=dpo` that matches no finished cell.
    case noMatchingCells(String)
    /// A Mustache template that does not parse, or is missing.
    case template(name: String, message: String)
    case io(path: String, message: String)
    /// A TensorBoard event file whose TFRecord framing is broken.
    case eventFile(message: String)

    public var description: String {
        switch self {
        case .notAResultsFolder(let path, let reason):
            return "\(path): not a results folder (\(reason)); pass RESULTS/<experiment> as written by `dpop run`"
        case .unknownMetric(let name, let known):
            return "unknown metric '\(name)'; known: \(known.joined(separator: ", "))"
        case .unknownAxis(let name, let known):
            return "unknown axis '\(name)'; the results vary over: \(known.isEmpty ? "(nothing)" : known.joined(separator: ", "))"
        case .stepNotRecorded(let step, let recorded):
            return "no finished cell recorded step \(step); recorded steps: \(recorded.map(String.init).joined(separator: ", "))"
        case .badOption(let option, let value, let expected):
            return "\(option) '\(value)': expected \(expected)"
        case .noMatchingCells(let selector):
            return "no finished cell matches \(selector)"
        case .template(let name, let message):
            return "template \(name): \(message)"
        case .io(let path, let message):
            return "\(path): \(message)"
        case .eventFile(let message):
            return "event file: \(message)"
        }
    }
}
