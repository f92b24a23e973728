import Foundation

/// Overflow-free forms of the scalar functions the preference losses are built from.
enum StableMath {
    /// log(1 + e^x) without overflow for large x or loss of precision for very negative x.
    static func softplus(_ x: Double) -> Double {
        // max(x, 0) carries the magnitude; log1p(e^-|x|) is at most log 2, so nothing overflows.
        max(x, 0) + log1p(exp(-abs(x)))
    }

    /// log σ(z) = −softplus(−z).
    static func logSigmoid(_ z: Double) -> Double {
        -softplus(-z)
    }

    /// σ(z) evaluated on the side where the exponential cannot overflow.
    static func sigmoid(_ z: Double) -> Double {
        if z >= 0 {
            return 1 / (1 + exp(-z))
        }
        let e = exp(z)
        return e / (1 + e)
    }

    /// log(1 − e^a) for a < 0, accurate near both 0 and −∞ (Mächler's log1mexp).
    static func log1mexp(_ a: Double) -> Double {
        // Near 0, 1 − e^a cancels catastrophically; expm1 keeps the digits. Far below, log1p does.
        a > -M_LN2 ? log(-expm1(a)) : log1p(-exp(a))
    }
}
