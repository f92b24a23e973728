/// A setting whose value no run can use: which setting (its key as a spec spells it), the value, and why.
///
/// Specs and CLI flags raise the same error; a spec reports it at the key's node, a command under its
/// flag's name (`message(naming:)`).
public struct SettingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key as a spec spells it, e.g. `train.batch`.
    public var setting: String
    /// The value as given.
    public var value: String
    /// What is wrong, after the setting's name: `must be a whole number >= 1, got 0`.
    public var problem: String
    /// Other settings the rule involves (e.g. `model.heads` for an embedding not divisible by it).
    public var related: [String]
    public var hint: String?

    public init(setting: String, value: String, problem: String, related: [String] = [], hint: String? = nil) {
        self.setting = setting
        self.value = value
        self.problem = problem
        self.related = related
        self.hint = hint
    }

    /// A value outside the allowed range: `must be REQUIREMENT, got VALUE`.
    public static func outOfRange(_ setting: String, value: String, requirement: String,
                                  related: [String] = [], hint: String? = nil) -> SettingError {
        SettingError(setting: setting, value: value, problem: "must be \(requirement), got \(value)", related: related, hint: hint)
    }

    /// The message with the setting called `name` (a spec key, or a flag like `--batch`); no hint.
    public func message(naming name: String) -> String { "\(name) \(problem)" }

    /// Every setting the rule involves, the named one first.
    public var settings: [String] { [setting] + related }

    public var description: String {
        message(naming: setting) + (hint.map { "\nhint: \($0)" } ?? "")
    }
}
