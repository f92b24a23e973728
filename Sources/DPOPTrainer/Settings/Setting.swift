/// One setting of a run: its key as a spec spells it, its default, and (for numbers) its allowed range.
///
/// The config structs' initialisers, their `validate()`, the spec reader and every CLI command read the
/// defaults and the rules here, so each is written once.
public struct Setting<Value: Sendable>: Sendable {
    /// `section.key`, e.g. `train.batch`.
    public let key: String
    public let defaultValue: Value
    /// Allowed values of a number; `.any` otherwise.
    public let range: SettingRange
    public let hint: String?

    public init(_ key: String, default defaultValue: Value, _ range: SettingRange = .any, hint: String? = nil) {
        self.key = key
        self.defaultValue = defaultValue
        self.range = range
        self.hint = hint
    }
}

extension Setting where Value == Int {
    /// What a value must be, for messages: `>= 1`, `in 1...4`.
    public var requirement: String { range.phrase(integer: true) }

    /// Throws `SettingError` unless `value` is in range.
    public func check(_ value: Int) throws(SettingError) {
        guard range.contains(Double(value)) else {
            throw .outOfRange(key, value: String(value), requirement: requirement, hint: hint)
        }
    }
}

extension Setting where Value == Double {
    /// What `value` fails: the range, and finiteness when the value is not finite.
    public func requirement(for value: Double) -> String {
        (value.isFinite ? "" : "a finite number ") + range.phrase(integer: false)
    }

    /// What a value must be, for messages: `a number > 0`.
    public var requirement: String { "a number \(range.phrase(integer: false))" }

    /// Throws `SettingError` unless `value` is finite and in range; `text` is the value as written.
    public func check(_ value: Double, text: String? = nil) throws(SettingError) {
        guard value.isFinite, range.contains(value) else {
            throw .outOfRange(key, value: text ?? String(value), requirement: requirement(for: value), hint: hint)
        }
    }
}

extension Setting where Value == Float {
    /// The value is used as a 32-bit float, so it must be finite (and inside the range) as one.
    public func requirement(for value: Double) -> String {
        let f = Float(value)
        if !value.isFinite { return "a finite number " + range.phrase(integer: false) }
        if !f.isFinite || (range.contains(value) && !range.contains(Double(f))) {
            return "a finite 32-bit float " + range.phrase(integer: false)
        }
        return range.phrase(integer: false)
    }

    public var requirement: String { "a number \(range.phrase(integer: false))" }

    /// Throws `SettingError` unless `value` is finite as a Float and in range after the conversion.
    public func check(_ value: Double, text: String? = nil) throws(SettingError) {
        let f = Float(value)
        guard value.isFinite, f.isFinite, range.contains(Double(f)) else {
            let float32 = value.isFinite && (!f.isFinite || range.contains(value))
            throw .outOfRange(key, value: text ?? String(value), requirement: requirement(for: value),
                              hint: hint ?? (float32 ? "32-bit floats hold magnitudes from about 1.2e-38 to 3.4e38" : nil))
        }
    }

    /// Throws `SettingError` unless `value` is finite and in range.
    public func check(_ value: Float) throws(SettingError) {
        try check(Double(value), text: "\(value)")
    }
}
