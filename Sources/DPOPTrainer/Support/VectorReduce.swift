/// Sums and maxima over float rows with eight independent accumulators, so they vectorise: the
/// compiler keeps a plain `for` reduction in order (float addition is not associative) and scalar.
public enum VectorReduce {
    /// Σ x[i] for i < n.
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = acc.sum()
        while i < n { total += x[i]; i += 1 }
        return total
    }

    /// Σ (x[i] − shift)² for i < n.
    @inline(__always)
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = SIMD8<Float>()
        let s = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= n {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - s
            acc += d * d
            i += 8
        }
        var total = acc.sum()
        while i < n { let d = x[i] - shift; total += d * d; i += 1 }
        return total
    }

    /// Σ a[i]·b[i] for i < n.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = acc.sum()
        while i < n { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// max x[i] for i < n (n ≥ 1).
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var best = -Float.greatestFiniteMagnitude
        if n >= 8 {
            var acc = UnsafeRawPointer(x).loadUnaligned(as: SIMD8<Float>.self)
            i = 8
            while i + 8 <= n {
                acc = pointwiseMax(acc, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
                i += 8
            }
            best = acc.max()
        }
        while i < n { if x[i] > best { best = x[i] }; i += 1 }
        return best
    }
}
