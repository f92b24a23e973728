/// LayerNorm over the channel dimension (ε = 1e-5, as GPT-2).
public enum LayerNorm {
    public static let epsilon: Float = 1e-5

    /// out = (x − mean) · rstd · w + b per row; saves mean and rstd for backward.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (N, C)
        mean: UnsafeMutablePointer<Float>,    // (N)
        rstd: UnsafeMutablePointer<Float>,    // (N)
        inp: UnsafePointer<Float>,            // (N, C)
        weight: UnsafePointer<Float>,         // (C)
        bias: UnsafePointer<Float>,           // (C)
        N: Int, C: Int
    ) {
        Parallel.forChunks(N, minimumPerChunk: 32) { _, rows in
            for row in rows {
                let x = inp + row * C
                let m = VectorReduce.sum(x, C) / Float(C)
                let v = VectorReduce.sumOfSquares(x, C, shift: m) / Float(C)
                let s = 1 / (v + epsilon).squareRoot()
                let o = out + row * C
                for i in 0..<C { o[i] = (x[i] - m) * s * weight[i] + bias[i] }
                mean[row] = m
                rstd[row] = s
            }
        }
    }

    /// Accumulates dinp, dweight and dbias (dinp is overwritten with `accumulateInput: false`); weight
    /// and bias gradients are summed per block of rows in `scratch` (maxWorkers × 2C floats) so rows
    /// can run in parallel without races, and added in block order.
    public static func backward(
        accumulateInput: Bool = true,
        dinp: UnsafeMutablePointer<Float>,    // (N, C)
        dweight: UnsafeMutablePointer<Float>, // (C)
        dbias: UnsafeMutablePointer<Float>,   // (C)
        dout: UnsafePointer<Float>,           // (N, C)
        inp: UnsafePointer<Float>,            // (N, C)
        weight: UnsafePointer<Float>,         // (C)
        mean: UnsafePointer<Float>,           // (N)
        rstd: UnsafePointer<Float>,           // (N)
        scratch: UnsafeMutablePointer<Float>, // (maxWorkers, 2C)
        N: Int, C: Int
    ) {
        // blocks fixed by N alone, summed in order: the same floats whatever the thread count
        let blocks = Parallel.blockCount(N, minimumPerBlock: 32)
        scratch.update(repeating: 0, count: blocks * 2 * C)
        Parallel.forBlocks(N, blocks: blocks) { block, rows in
            let dw = scratch + block * 2 * C
            let db = dw + C
            for row in rows {
                let x = inp + row * C
                let d = dout + row * C
                let di = dinp + row * C
                let m = mean[row], s = rstd[row]
                var dnormMean: Float = 0
                var dnormNormMean: Float = 0
                for i in 0..<C {
                    let norm = (x[i] - m) * s
                    let dnorm = weight[i] * d[i]
                    dnormMean += dnorm
                    dnormNormMean += dnorm * norm
                }
                dnormMean /= Float(C)
                dnormNormMean /= Float(C)
                for i in 0..<C {
                    let norm = (x[i] - m) * s
                    let dnorm = weight[i] * d[i]
                    db[i] += d[i]
                    dw[i] += norm * d[i]
                    let g = (dnorm - dnormMean - norm * dnormNormMean) * s
                    if accumulateInput { di[i] += g } else { di[i] = g }
                }
            }
        }
        for b in 0..<blocks {
            let dw = scratch + b * 2 * C
            let db = dw + C
            for i in 0..<C {
                dweight[i] += dw[i]
                dbias[i] += db[i]
            }
        }
    }
}
