/// The allowed interval of a numeric setting, with the wording used in range errors.
struct NumberRange: Sendable {
    var lower: Double?
    var lowerInclusive: Bool
    var upper: Double?
    var upperInclusive: Bool

    static func atLeast(_ x: Double) -> NumberRange { NumberRange(lower: x, lowerInclusive: true, upper: nil, upperInclusive: false) }
    static func above(_ x: Double) -> NumberRange { NumberRange(lower: x, lowerInclusive: false, upper: nil, upperInclusive: false) }
    static func closed(_ a: Double, _ b: Double) -> NumberRange { NumberRange(lower: a, lowerInclusive: true, upper: b, upperInclusive: true) }
    static func open(_ a: Double, _ b: Double) -> NumberRange { NumberRange(lower: a, lowerInclusive: false, upper: b, upperInclusive: false) }

    func contains(_ x: Double) -> Bool {
        if let lower, lowerInclusive ? x < lower : x <= lower { return false }
        if let upper, upperInclusive ? x > upper : x >= upper { return false }
        return !x.isNaN
    }

    /// `>= 1`, `> 0`, `in [0, 1]`, `in (0, 1)`, `in 1...4`.
    func phrase(integer: Bool) -> String {
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
