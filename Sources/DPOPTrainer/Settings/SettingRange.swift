/// The allowed interval of a numeric setting, with the wording used in range errors.
public struct SettingRange: Equatable, Sendable {
    public var lower: Double?
    public var lowerInclusive: Bool
    public var upper: Double?
    public var upperInclusive: Bool

    /// Every value (non-numeric settings).
    public static let any = SettingRange(lower: nil, lowerInclusive: false, upper: nil, upperInclusive: false)
    public static func atLeast(_ x: Double) -> SettingRange { SettingRange(lower: x, lowerInclusive: true, upper: nil, upperInclusive: false) }
    public static func above(_ x: Double) -> SettingRange { SettingRange(lower: x, lowerInclusive: false, upper: nil, upperInclusive: false) }
    public static func closed(_ a: Double, _ b: Double) -> SettingRange { SettingRange(lower: a, lowerInclusive: true, upper: b, upperInclusive: true) }
    public static func open(_ a: Double, _ b: Double) -> SettingRange { SettingRange(lower: a, lowerInclusive: false, upper: b, upperInclusive: false) }
    /// `(a, b]`.
    public static func aboveUpTo(_ a: Double, _ b: Double) -> SettingRange { SettingRange(lower: a, lowerInclusive: false, upper: b, upperInclusive: true) }

    /// Whether `x` lies in the interval; NaN never does.
    public func contains(_ x: Double) -> Bool {
        if let lower, lowerInclusive ? x < lower : x <= lower { return false }
        if let upper, upperInclusive ? x > upper : x >= upper { return false }
        return !x.isNaN
    }

    /// `>= 1`, `> 0`, `in [0, 1]`, `in (0, 1)`, `in 1...4`.
    public func phrase(integer: Bool) -> String {
        func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
        switch (lower, upper) {
        case let (lo?, nil): return (lowerInclusive ? ">= " : "> ") + f(lo)
        case let (nil, hi?): return (upperInclusive ? "<= " : "< ") + f(hi)
        case let (lo?, hi?) where integer && lowerInclusive && upperInclusive: return "in \(f(lo))...\(f(hi))"
        case let (lo?, hi?): return "in " + (lowerInclusive ? "[" : "(") + "\(f(lo)), \(f(hi))" + (upperInclusive ? "]" : ")")
        case (nil, nil): return "a number"
        }
    }
}
