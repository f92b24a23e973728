import Foundation

/// GELU, tanh approximation (GPT-2's `gelu_new`).
public enum GELU {
    private static let scale = Float((2.0 / Double.pi).squareRoot())

    /// out = 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int) {
        Parallel.forChunks(N, minimumPerChunk: 4096) { _, range in
            for i in range {
                let x = inp[i]
                let cube = 0.044715 * x * x * x
                out[i] = 0.5 * x * (1 + FastMath.tanh(scale * (x + cube)))
            }
        }
    }

    /// dinp += dout · gelu'(x); with `accumulate: false`, dinp = dout · gelu'(x).
    public static func backward(accumulate: Bool = true, dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                dout: UnsafePointer<Float>, N: Int) {
        Parallel.forChunks(N, minimumPerChunk: 4096) { _, range in
            for i in range {
                let x = inp[i]
                let cube = 0.044715 * x * x * x
                let arg = scale * (x + cube)
                let th = FastMath.tanh(arg)
                let sech2 = 1 - th * th
                let grad = 0.5 * (1 + th) + x * 0.5 * sech2 * scale * (1 + 3 * 0.044715 * x * x)
                // a branch the compiler hoists; 0·dinp would keep a NaN left in a scratch buffer
                if accumulate { dinp[i] += grad * dout[i] } else { dinp[i] = grad * dout[i] }
            }
        }
    }

    /// out = gelu(x) and derivative = gelu'(x) in one pass; `derivative` may be `inp` itself (the model
    /// keeps x only for the backward, so it trades x for gelu'(x) and the backward needs no tanh).
    public static func forwardKeepingDerivative(
        out: UnsafeMutablePointer<Float>,        // (N)
        derivative: UnsafeMutablePointer<Float>, // (N), may alias inp
        inp: UnsafePointer<Float>,               // (N)
        N: Int
    ) {
        Parallel.forChunks(N, minimumPerChunk: 4096) { _, range in
            // x is copied block by block to the stack: with `derivative` aliasing `inp` the loop's
            // runtime alias check fails and it runs scalar (a fifth of the step, measured).
            let block = 512
            withUnsafeTemporaryAllocation(of: Float.self, capacity: block) { tmp in
                let xs = tmp.baseAddress!
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = min(block, range.upperBound - start)
                    xs.update(from: inp + start, count: n)
                    let o = out + start, d = derivative + start
                    for i in 0..<n {
                        let x = xs[i]
                        let th = FastMath.tanh(scale * (x + 0.044715 * x * x * x))
                        o[i] = 0.5 * x * (1 + th)
                        d[i] = 0.5 * (1 + th) + x * 0.5 * (1 - th * th) * scale * (1 + 3 * 0.044715 * x * x)
                    }
                    start += n
                }
            }
        }
    }

    /// dinp += dout · derivative (overwrites with `accumulate: false`), derivative from `forwardKeepingDerivative`.
    public static func backward(accumulate: Bool = true, dinp: UnsafeMutablePointer<Float>,
                                derivative: UnsafePointer<Float>, dout: UnsafePointer<Float>, N: Int) {
        Parallel.forChunks(N, minimumPerChunk: 8192) { _, range in
            if accumulate {
                for i in range { dinp[i] += derivative[i] * dout[i] }
            } else {
                for i in range { dinp[i] = derivative[i] * dout[i] }
            }
        }
    }
}
