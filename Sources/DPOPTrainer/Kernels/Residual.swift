/// Residual connection: out = a + b.
public enum Residual {
    /// out = a + b elementwise.
    public static func forward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
                               b: UnsafePointer<Float>, N: Int) {
        Parallel.forChunks(N, minimumPerChunk: 8192) { _, range in
            for i in range { out[i] = a[i] + b[i] }
        }
    }

    /// da += dout, db += dout.
    public static func backward(da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>,
                                dout: UnsafePointer<Float>, N: Int) {
        Parallel.forChunks(N, minimumPerChunk: 8192) { _, range in
            for i in range {
                da[i] += dout[i]
                db[i] += dout[i]
            }
        }
    }
}
