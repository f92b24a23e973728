/// How one Hugging Face GPT-2 tensor maps onto the flat arena: which slot, which layer, and whether
/// the checkpoint stores it transposed (GPT-2's Conv1D keeps weights as (in, out)).
public struct GPT2TensorEntry: Sendable {
    /// Name with the `transformer.` prefix, e.g. `transformer.h.0.attn.c_attn.weight`.
    public let name: String
    /// Shape as stored in the checkpoint.
    public let checkpointShape: [Int]
    /// First float of this tensor in the arena.
    public let offset: Int
    /// Number of floats.
    public let count: Int
    /// Arena rows × columns when transposed; nil when stored as in the arena.
    public let transposedFrom: (rows: Int, cols: Int)?
}

/// The Hugging Face GPT-2 names of every parameter, in checkpoint order.
public enum GPT2TensorMap {
    /// One entry per GPT-2 tensor of `layout`.
    public static func entries(for layout: ParameterLayout) -> [GPT2TensorEntry] {
        let c = layout.config
        let C = c.channels, L = c.layers
        var out: [GPT2TensorEntry] = []
        func add(_ name: String, _ shape: [Int], _ offset: Int, transposed: (Int, Int)? = nil) {
            out.append(GPT2TensorEntry(name: "transformer." + name, checkpointShape: shape, offset: offset,
                                       count: shape.reduce(1, *), transposedFrom: transposed.map { (rows: $0.0, cols: $0.1) }))
        }
        add("wte.weight", [c.vocabSize, C], layout.wte.offset)
        add("wpe.weight", [c.contextLength, C], layout.wpe.offset)
        for l in 0..<L {
            let h = "h.\(l)."
            add(h + "ln_1.weight", [C], layout.ln1w.offset + l * C)
            add(h + "ln_1.bias", [C], layout.ln1b.offset + l * C)
            add(h + "attn.c_attn.weight", [C, 3 * C], layout.qkvw.offset + l * 3 * C * C, transposed: (3 * C, C))
            add(h + "attn.c_attn.bias", [3 * C], layout.qkvb.offset + l * 3 * C)
            add(h + "attn.c_proj.weight", [C, C], layout.attprojw.offset + l * C * C, transposed: (C, C))
            add(h + "attn.c_proj.bias", [C], layout.attprojb.offset + l * C)
            add(h + "ln_2.weight", [C], layout.ln2w.offset + l * C)
            add(h + "ln_2.bias", [C], layout.ln2b.offset + l * C)
            add(h + "mlp.c_fc.weight", [C, 4 * C], layout.fcw.offset + l * 4 * C * C, transposed: (4 * C, C))
            add(h + "mlp.c_fc.bias", [4 * C], layout.fcb.offset + l * 4 * C)
            add(h + "mlp.c_proj.weight", [4 * C, C], layout.fcprojw.offset + l * C * 4 * C, transposed: (C, 4 * C))
            add(h + "mlp.c_proj.bias", [C], layout.fcprojb.offset + l * C)
        }
        add("ln_f.weight", [C], layout.lnfw.offset)
        add("ln_f.bias", [C], layout.lnfb.offset)
        return out
    }

    /// Values of `entry` read from `arena`, in checkpoint layout.
    public static func export(_ entry: GPT2TensorEntry, from arena: UnsafePointer<Float>) -> [Float] {
        let src = arena + entry.offset
        guard let (rows, cols) = entry.transposedFrom else {
            return Array(UnsafeBufferPointer(start: src, count: entry.count))
        }
        // arena (rows=out, cols=in) → checkpoint (in, out)
        var out = [Float](repeating: 0, count: entry.count)
        for r in 0..<rows {
            for c in 0..<cols { out[c * rows + r] = src[r * cols + c] }
        }
        return out
    }

    /// Writes checkpoint-layout `values` of `entry` into `arena`.
    public static func importValues(_ values: [Float], into entry: GPT2TensorEntry, arena: UnsafeMutablePointer<Float>) {
        let dst = arena + entry.offset
        guard let (rows, cols) = entry.transposedFrom else {
            values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: entry.count) }
            return
        }
        for r in 0..<rows {
            for c in 0..<cols { dst[r * cols + c] = values[c * rows + r] }
        }
    }
}
