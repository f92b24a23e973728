/// Deterministic train/eval split of preference pairs.
extension Array where Element == PreferencePair {
    /// Splits by a seeded hash of each pair's prompt, chosen and rejected text, so a pair's side
    /// does not depend on line order or on the other pairs, and duplicate pairs land on the same side.
    ///
    /// A pair goes to eval when its hash, read as a number in [0, 1), is below `evalFraction`; the
    /// eval share is therefore `evalFraction` only in expectation. Both halves keep input order.
    /// `evalFraction` must be in [0, 1].
    public func split(evalFraction: Double, seed: UInt64) -> (train: [PreferencePair], eval: [PreferencePair]) {
        precondition(evalFraction >= 0 && evalFraction <= 1, "evalFraction must be in [0, 1], got \(evalFraction)")
        var train: [PreferencePair] = []
        var eval: [PreferencePair] = []
        for pair in self {
            let u = Double(pair.contentHash(seed: seed) >> 11) * (1.0 / 9_007_199_254_740_992.0)
            if u < evalFraction { eval.append(pair) } else { train.append(pair) }
        }
        return (train, eval)
    }
}

extension PreferencePair {
    /// 64-bit hash of prompt, chosen and rejected (not metadata), the same on every platform and run.
    public func contentHash(seed: UInt64) -> UInt64 {
        // FNV-1a over length-prefixed fields (so "ab"+"c" and "a"+"bc" differ), started from the
        // seed and finished with SplitMix64's mixer to spread FNV's weak low bits.
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ Self.mix(seed)
        func eat(_ byte: UInt8) {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        for field in [prompt, chosen, rejected] {
            var n = UInt64(field.utf8.count)
            for _ in 0..<8 {
                eat(UInt8(truncatingIfNeeded: n))
                n >>= 8
            }
            for b in field.utf8 { eat(b) }
        }
        return Self.mix(h)
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
