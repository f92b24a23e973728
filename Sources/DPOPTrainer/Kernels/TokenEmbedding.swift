/// Token plus position embedding, the first layer (llm.c's encoder; renamed so it does not hide Swift.Encoder).
public enum TokenEmbedding {
    /// out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:]
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, C)
        tokens: UnsafePointer<Int32>,         // (B, T)
        wte: UnsafePointer<Float>,            // (V, C)
        wpe: UnsafePointer<Float>,            // (maxT, C)
        B: Int, T: Int, C: Int
    ) {
        Parallel.forChunks(B * T, minimumPerChunk: 64) { _, rows in
            for row in rows {
                let t = row % T
                let o = out + row * C
                let e = wte + Int(tokens[row]) * C
                let p = wpe + t * C
                for i in 0..<C { o[i] = e[i] + p[i] }
            }
        }
    }

    /// Accumulates dwte and dwpe; serial because rows sharing a token write the same wte row.
    public static func backward(
        dwte: UnsafeMutablePointer<Float>,    // (V, C)
        dwpe: UnsafeMutablePointer<Float>,    // (maxT, C)
        dout: UnsafePointer<Float>,           // (B, T, C)
        tokens: UnsafePointer<Int32>,         // (B, T)
        B: Int, T: Int, C: Int
    ) {
        for row in 0..<(B * T) {
            let t = row % T
            let d = dout + row * C
            let e = dwte + Int(tokens[row]) * C
            let p = dwpe + t * C
            for i in 0..<C {
                e[i] += d[i]
                p[i] += d[i]
            }
        }
    }
    /// out[b,t,:] = wte[tokens[b,t],:] + wpe[positions[b,t],:]: a packed row's position ids restart per tail.
    public static func forward(
        out: UnsafeMutablePointer<Float>,     // (B, T, C)
        tokens: UnsafePointer<Int32>,         // (B, T)
        positions: UnsafePointer<Int32>,      // (B, T)
        wte: UnsafePointer<Float>,            // (V, C)
        wpe: UnsafePointer<Float>,            // (maxT, C)
        B: Int, T: Int, C: Int
    ) {
        Parallel.forChunks(B * T, minimumPerChunk: 64) { _, rows in
            for row in rows {
                let o = out + row * C
                let e = wte + Int(tokens[row]) * C
                let p = wpe + Int(positions[row]) * C
                for i in 0..<C { o[i] = e[i] + p[i] }
            }
        }
    }

    /// Accumulates dwte and dwpe at each row's token and position id; serial, rows in order.
    public static func backward(
        dwte: UnsafeMutablePointer<Float>,    // (V, C)
        dwpe: UnsafeMutablePointer<Float>,    // (maxT, C)
        dout: UnsafePointer<Float>,           // (B, T, C)
        tokens: UnsafePointer<Int32>,         // (B, T)
        positions: UnsafePointer<Int32>,      // (B, T)
        B: Int, T: Int, C: Int
    ) {
        for row in 0..<(B * T) {
            let d = dout + row * C
            let e = dwte + Int(tokens[row]) * C
            let p = dwpe + Int(positions[row]) * C
            for i in 0..<C {
                e[i] += d[i]
                p[i] += d[i]
            }
        }
    }
}
