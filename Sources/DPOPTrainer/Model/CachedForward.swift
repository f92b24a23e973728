/// The GPT forward for decoding: runs only the new positions of each sequence, reading the
/// attention keys and values of earlier ones from a `KVCache` (and writing the new ones to it).
///
/// It reads the model's parameters and nothing else of it (not its activation arena), so decoding
/// never disturbs a training forward's saved activations. Its logits equal the full forward's to
/// float rounding (its products have other shapes, so the last bits may differ).
public final class CachedForward {
    public let model: GPTModel
    public let cache: KVCache
    /// Rows the scratch buffers hold; grown when a larger chunk comes.
    private var capacity = 0
    private var residual: UnsafeMutablePointer<Float>?   // (R, C)
    private var ln: UnsafeMutablePointer<Float>?         // (R, C)
    private var mean: UnsafeMutablePointer<Float>?       // (R)
    private var rstd: UnsafeMutablePointer<Float>?       // (R)
    private var qkv: UnsafeMutablePointer<Float>?        // (R, 3C)
    private var atty: UnsafeMutablePointer<Float>?       // (R, C)
    private var proj: UnsafeMutablePointer<Float>?       // (R, C)
    private var fch: UnsafeMutablePointer<Float>?        // (R, 4C)
    private var fchGelu: UnsafeMutablePointer<Float>?    // (R, 4C)
    private var logitsBuffer: UnsafeMutablePointer<Float>? // (R, V)
    private var scores: UnsafeMutablePointer<Float>      // (maxWorkers, T)
    private var rowSlots: [Int32] = []
    private var rowPositions: [Int32] = []
    private var rowTokens: [Int32] = []

    /// A decoder of `model` holding up to `slots` sequences of at most `model.maxSequence` positions.
    public init(model: GPTModel, slots: Int) {
        self.model = model
        cache = KVCache(config: model.config, slots: slots, maxSequence: model.maxSequence)
        scores = .allocate(capacity: Parallel.maxWorkers * model.maxSequence)
    }

    deinit {
        for buffer in [residual, ln, mean, rstd, qkv, atty, proj, fch, fchGelu, logitsBuffer] { buffer?.deallocate() }
        scores.deallocate()
    }

    private func reserve(rows R: Int) {
        guard R > capacity else { return }
        for buffer in [residual, ln, mean, rstd, qkv, atty, proj, fch, fchGelu, logitsBuffer] { buffer?.deallocate() }
        let C = model.config.channels, V = model.config.vocabSize
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        residual = make(R * C); ln = make(R * C); mean = make(R); rstd = make(R)
        qkv = make(R * 3 * C); atty = make(R * C); proj = make(R * C)
        fch = make(R * 4 * C); fchGelu = make(R * 4 * C); logitsBuffer = make(R * V)
        capacity = R
    }

    /// Logits of the rows of the last `extend`, (R, V) in the order its chunks listed them.
    public var logits: UnsafePointer<Float> { UnsafePointer(logitsBuffer!) }

    /// Runs `chunks[i].tokens` as the next positions of slot `chunks[i].slot` (each slot at most
    /// once per call) and returns how many rows it computed; row k of `logits` predicts the token
    /// after the k-th new position, chunk by chunk.
    @discardableResult
    public func extend(_ chunks: [(slot: Int, tokens: [Int32])]) -> Int {
        rowSlots.removeAll(keepingCapacity: true)
        rowPositions.removeAll(keepingCapacity: true)
        rowTokens.removeAll(keepingCapacity: true)
        var seen = Set<Int>()
        for (slot, tokens) in chunks {
            precondition(slot >= 0 && slot < cache.slots && seen.insert(slot).inserted, "slot \(slot) is out of range or listed twice")
            let start = cache.lengths[slot]
            precondition(start + tokens.count <= cache.maxSequence,
                         "slot \(slot) holds \(start) positions; \(tokens.count) more exceed \(cache.maxSequence)")
            for (j, token) in tokens.enumerated() {
                rowSlots.append(Int32(slot))
                rowPositions.append(Int32(start + j))
                rowTokens.append(token)
            }
        }
        let R = rowTokens.count
        guard R > 0 else { return 0 }
        reserve(rows: R)
        let config = model.config
        let C = config.channels, V = config.vocabSize, NH = config.heads, L = config.layers, T = cache.maxSequence
        let p = UnsafePointer(model.parameters), lay = model.layout
        let residual = residual!, ln = ln!, mean = mean!, rstd = rstd!, qkv = qkv!
        let atty = atty!, proj = proj!, fch = fch!, fchGelu = fchGelu!, logits = logitsBuffer!
        let cache = cache, scores = scores

        // Embedding: each row's token and its own position (positions differ across slots).
        for r in 0..<R {
            let e = p + lay.wte.offset + Int(rowTokens[r]) * C
            let w = p + lay.wpe.offset + Int(rowPositions[r]) * C
            let o = residual + r * C
            for i in 0..<C { o[i] = e[i] + w[i] }
        }
        rowSlots.withUnsafeBufferPointer { slots in
            rowPositions.withUnsafeBufferPointer { positions in
                for l in 0..<L {
                    LayerNorm.forward(out: ln, mean: mean, rstd: rstd, inp: residual,
                                      weight: p + lay.ln1w.offset + l * C, bias: p + lay.ln1b.offset + l * C, N: R, C: C)
                    Matmul.forward(out: qkv, inp: ln, weight: p + lay.qkvw.offset + l * 3 * C * C,
                                   bias: p + lay.qkvb.offset + l * 3 * C, N: R, C: C, OC: 3 * C)
                    // The new keys and values go into the cache first, so a chunk attends within itself.
                    for r in 0..<R {
                        let s = Int(slots[r]), t = Int(positions[r])
                        (cache.keys(layer: l, slot: s) + t * C).update(from: qkv + r * 3 * C + C, count: C)
                        (cache.values(layer: l, slot: s) + t * C).update(from: qkv + r * 3 * C + 2 * C, count: C)
                    }
                    CachedAttention.forward(out: atty, qkv: qkv,
                                            keys: { UnsafePointer(cache.keys(layer: l, slot: $0)) },
                                            values: { UnsafePointer(cache.values(layer: l, slot: $0)) },
                                            slots: slots.baseAddress!, positions: positions.baseAddress!,
                                            scores: scores, R: R, T: T, C: C, NH: NH)
                    Matmul.forward(out: proj, inp: atty, weight: p + lay.attprojw.offset + l * C * C,
                                   bias: p + lay.attprojb.offset + l * C, N: R, C: C, OC: C)
                    Residual.forward(out: residual, a: residual, b: proj, N: R * C)
                    LayerNorm.forward(out: ln, mean: mean, rstd: rstd, inp: residual,
                                      weight: p + lay.ln2w.offset + l * C, bias: p + lay.ln2b.offset + l * C, N: R, C: C)
                    Matmul.forward(out: fch, inp: ln, weight: p + lay.fcw.offset + l * 4 * C * C,
                                   bias: p + lay.fcb.offset + l * 4 * C, N: R, C: C, OC: 4 * C)
                    GELU.forward(out: fchGelu, inp: fch, N: R * 4 * C)
                    Matmul.forward(out: proj, inp: fchGelu, weight: p + lay.fcprojw.offset + l * C * 4 * C,
                                   bias: p + lay.fcprojb.offset + l * C, N: R, C: 4 * C, OC: C)
                    Residual.forward(out: residual, a: residual, b: proj, N: R * C)
                }
            }
        }
        LayerNorm.forward(out: ln, mean: mean, rstd: rstd, inp: residual,
                          weight: p + lay.lnfw.offset, bias: p + lay.lnfb.offset, N: R, C: C)
        Matmul.forward(out: logits, inp: ln, weight: p + lay.wte.offset, bias: nil, N: R, C: C, OC: V)
        for (slot, tokens) in chunks { cache.advance(slot: slot, by: tokens.count) }
        return R
    }
}
