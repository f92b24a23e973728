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
}
