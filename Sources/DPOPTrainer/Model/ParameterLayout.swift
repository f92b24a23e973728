/// One named tensor inside a flat arena: where it starts and its shape.
public struct TensorSlot: Equatable, Sendable {
    /// Name in the llm.c sense (`wte`, `qkvw`, …), one slot covers all layers.
    public let name: String
    /// Offset in floats from the start of the arena.
    public let offset: Int
    /// Shape, outermost first; a per-layer tensor starts with `layers`.
    public let shape: [Int]
    /// Number of floats.
    public var count: Int { shape.reduce(1, *) }
}

/// Order and shapes of the GPT-2 parameters inside one flat arena, as in llm.c.
///
/// Matrix weights are stored (out, in) so a linear layer is `out = in · Wᵀ + b`; GPT-2 checkpoints
/// keep Conv1D weights as (in, out), and the checkpoint code transposes at the boundary.
public struct ParameterLayout: Sendable {
    public let config: GPTConfig
    public let wte: TensorSlot       // (V, C)
    public let wpe: TensorSlot       // (maxT, C)
    public let ln1w: TensorSlot      // (L, C)
    public let ln1b: TensorSlot      // (L, C)
    public let qkvw: TensorSlot      // (L, 3C, C)
    public let qkvb: TensorSlot      // (L, 3C)
    public let attprojw: TensorSlot  // (L, C, C)
    public let attprojb: TensorSlot  // (L, C)
    public let ln2w: TensorSlot      // (L, C)
    public let ln2b: TensorSlot      // (L, C)
    public let fcw: TensorSlot       // (L, 4C, C)
    public let fcb: TensorSlot       // (L, 4C)
    public let fcprojw: TensorSlot   // (L, C, 4C)
    public let fcprojb: TensorSlot   // (L, C)
    public let lnfw: TensorSlot      // (C)
    public let lnfb: TensorSlot      // (C)
    /// Total number of floats.
    public let count: Int

    /// Lays out every tensor of `config` back to back.
    public init(config: GPTConfig) {
        self.config = config
        let V = config.vocabSize, T = config.contextLength, L = config.layers, C = config.channels
        var offset = 0
        func slot(_ name: String, _ shape: [Int]) -> TensorSlot {
            let s = TensorSlot(name: name, offset: offset, shape: shape)
            offset += s.count
            return s
        }
        wte = slot("wte", [V, C])
        wpe = slot("wpe", [T, C])
        ln1w = slot("ln1w", [L, C])
        ln1b = slot("ln1b", [L, C])
        qkvw = slot("qkvw", [L, 3 * C, C])
        qkvb = slot("qkvb", [L, 3 * C])
        attprojw = slot("attprojw", [L, C, C])
        attprojb = slot("attprojb", [L, C])
        ln2w = slot("ln2w", [L, C])
        ln2b = slot("ln2b", [L, C])
        fcw = slot("fcw", [L, 4 * C, C])
        fcb = slot("fcb", [L, 4 * C])
        fcprojw = slot("fcprojw", [L, C, 4 * C])
        fcprojb = slot("fcprojb", [L, C])
        lnfw = slot("lnfw", [C])
        lnfb = slot("lnfb", [C])
        count = offset
    }

    /// Every slot, in arena order.
    public var slots: [TensorSlot] {
        [wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb]
    }

    /// Slots that AdamW decays: the matrices and embeddings, not biases or LayerNorm gains.
    public var decayedSlots: [TensorSlot] { [wte, wpe, qkvw, attprojw, fcw, fcprojw] }
}
