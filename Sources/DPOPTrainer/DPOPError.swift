/// Errors of the trainer library; each message says what is wrong and, where one helps, what to do.
public enum DPOPError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    /// A setting out of its range: names the setting (as a spec spells it), the value and the rule.
    case invalidSetting(SettingError)
    case checkpoint(path: String, message: String, hint: String?)
    case data(file: String, line: Int, message: String)
    case io(path: String, message: String)
    /// No space left (or over quota) writing `path`; `bytesNeeded`: what did not fit, when known.
    case diskFull(path: String, bytesNeeded: Int?)
    case usage(String)
    /// A loss or metric became NaN or infinite: training stops there.
    case nonFinite(stage: String, step: Int, what: String, value: Double)
    /// SIGINT or SIGTERM asked training to stop.
    case interrupted(stage: String, step: Int, signal: Int32)

    public var description: String {
        switch self {
        case .invalidConfiguration(let m):
            return "invalid configuration: \(m)"
        case .invalidSetting(let e):
            return "invalid configuration: \(e)"
        case .checkpoint(let path, let m, let hint):
            return "\(path): \(m)" + (hint.map { "\nhint: \($0)" } ?? "")
        case .data(let file, let line, let m):
            return "\(file):\(line): \(m)"
        case .io(let path, let m):
            return "\(path): \(m)"
        case .diskFull(let path, let bytes):
            return "results disk full: " + (bytes.map { "\($0) bytes needed" } ?? "no space left (size of the write not known)")
                + " at \(path)\nhint: free space on that disk (or raise its quota) and run again"
        case .usage(let m):
            return m
        case .interrupted(let stage, let step, let signal):
            return "interrupted by signal \(signal) at \(stage) step \(step)"
        case .nonFinite(let stage, let step, let what, let value):
            return "\(stage) step \(step): \(what) is \(value); training stopped\nhint: lower the learning rate, or β/λ"

        }
    }
}

extension DPOPError {
    /// Runs `checks`, turning the first `SettingError` into `.invalidSetting`.
    public static func checkingSettings(_ checks: () throws(SettingError) -> Void) throws(DPOPError) {
        do { try checks() } catch { throw .invalidSetting(error) }
    }
}
