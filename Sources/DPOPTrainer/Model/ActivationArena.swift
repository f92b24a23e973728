/// Forward activations of every layer and the backward scratch in one flat allocation, carved one named
/// tensor per line (llm.c style), sized for (maxBatch, maxSequence); smaller batches use a prefix of
/// each tensor. `MemoryPlan.activationFloats` counts the same terms (a test holds them equal).
final class ActivationArena {
    let maxBatch: Int
    let maxSequence: Int
    let lmHead: LMHeadMode
    private let storage: UnsafeMutablePointer<Float>
    /// Floats of `storage` plus the head's chunk buffers.
    let floatCount: Int

    // Forward, whole model
    let encoded: UnsafeMutablePointer<Float>   // (B, T, C)
    let projected: UnsafeMutablePointer<Float> // (B, T, C): attproj, then fcproj, of the layer running (the residual add consumes it at once)
    let lnf: UnsafeMutablePointer<Float>       // (B, T, C)
    let lnfMean: UnsafeMutablePointer<Float>   // (B, T)
    let lnfRstd: UnsafeMutablePointer<Float>   // (B, T)
    let logits: UnsafeMutablePointer<Float>    // (B, T, V) whole-batch head; empty when chunked
    let probs: UnsafeMutablePointer<Float>     // (B, T, V) whole-batch head; empty when chunked
    let tokenLogp: UnsafeMutablePointer<Float> // (B, T)
    let seqLogp: UnsafeMutablePointer<Float>   // (B)
    let mask: UnsafeMutablePointer<Float>      // (B, T)
    // Forward, per layer: base pointers, layer l at base + l * stride
    let ln1: UnsafeMutablePointer<Float>       // (L, B, T, C)
    let ln1Mean: UnsafeMutablePointer<Float>   // (L, B, T)
    let ln1Rstd: UnsafeMutablePointer<Float>   // (L, B, T)
    let qkv: UnsafeMutablePointer<Float>       // (L, B, T, 3C)
    let atty: UnsafeMutablePointer<Float>      // (L, B, T, C)
    let att: UnsafeMutablePointer<Float>       // (L, B, NH, T, T)
    let residual2: UnsafeMutablePointer<Float> // (L, B, T, C)
    let ln2: UnsafeMutablePointer<Float>       // (L, B, T, C)
    let ln2Mean: UnsafeMutablePointer<Float>   // (L, B, T)
    let ln2Rstd: UnsafeMutablePointer<Float>   // (L, B, T)
    let fch: UnsafeMutablePointer<Float>       // (L, B, T, 4C): fc output, then gelu'(fc output)
    let fchGelu: UnsafeMutablePointer<Float>   // (L, B, T, 4C)
    let residual3: UnsafeMutablePointer<Float> // (L, B, T, C)
    // Inputs copied in by forward, read again by backward
    let tokens: UnsafeMutablePointer<Int32>    // (B, T)
    let targets: UnsafeMutablePointer<Int32>   // (B, T)

    // Backward scratch, reused by every layer (the residual gradient flows through `dresidual`)
    let dresidual: UnsafeMutablePointer<Float> // (B, T, C)
    let dln: UnsafeMutablePointer<Float>       // (B, T, C)
    let datty: UnsafeMutablePointer<Float>     // (B, T, C)
    let dqkv: UnsafeMutablePointer<Float>      // (B, T, 3C)
    let dfchGelu: UnsafeMutablePointer<Float>  // (B, T, 4C)
    let dfch: UnsafeMutablePointer<Float>      // (B, T, 4C)
    let dlogits: UnsafeMutablePointer<Float>   // (B, T, V) whole-batch head; empty when chunked
    let dseq: UnsafeMutablePointer<Float>      // (B)
    let ones: UnsafeMutablePointer<Float>      // (B·T), for bias gradients through sgemv
    let scratch: UnsafeMutablePointer<Float>   // (maxWorkers, max(2C, T·T))
    let weightPartials: UnsafeMutablePointer<Float> // (maxWorkers - 1, widest·C + widest), widest = 4C (V too, whole-batch)
    /// The chunked head's logit buffers, (maxWorkers, chunkRows, V); left uninitialised (every use writes
    /// before it reads), so the pages of workers that never run are never touched. Empty when whole-batch.
    let headChunks: UnsafeMutablePointer<Float>
    private let headChunkFloats: Int

    /// Per-layer strides in floats.
    let strideBTC: Int, strideBT: Int, strideAtt: Int

    init(config: GPTConfig, maxBatch: Int, maxSequence: Int, lmHead: LMHeadMode) {
        self.maxBatch = maxBatch
        self.maxSequence = maxSequence
        self.lmHead = lmHead
        let L = config.layers, C = config.channels, NH = config.heads, W = Parallel.maxWorkers
        let whole = lmHead == .wholeBatch
        let V = config.vocabSize, VB = whole ? V : 0 // VB: the head's per-row width in the arena
        let BT = maxBatch * maxSequence
        strideBTC = BT * C
        strideBT = BT
        strideAtt = maxBatch * NH * maxSequence * maxSequence
        let widest = whole ? max(4 * C, V) : 4 * C

        let total = MemoryPlan.activationArenaFloats(config, maxBatch: maxBatch, maxSequence: maxSequence, lmHead: lmHead)!
        storage = .allocate(capacity: total)
        storage.initialize(repeating: 0, count: total)
        var carve = Carver(storage)
        encoded = carve.next(BT * C)
        projected = carve.next(BT * C)
        lnf = carve.next(BT * C)
        lnfMean = carve.next(BT)
        lnfRstd = carve.next(BT)
        logits = carve.next(BT * VB)
        probs = carve.next(BT * VB)
        tokenLogp = carve.next(BT)
        seqLogp = carve.next(maxBatch)
        mask = carve.next(BT)
        ln1 = carve.next(L * BT * C)
        ln1Mean = carve.next(L * BT)
        ln1Rstd = carve.next(L * BT)
        qkv = carve.next(L * 3 * BT * C)
        atty = carve.next(L * BT * C)
        att = carve.next(L * strideAtt)
        residual2 = carve.next(L * BT * C)
        ln2 = carve.next(L * BT * C)
        ln2Mean = carve.next(L * BT)
        ln2Rstd = carve.next(L * BT)
        fch = carve.next(L * 4 * BT * C)
        fchGelu = carve.next(L * 4 * BT * C)
        residual3 = carve.next(L * BT * C)
        dresidual = carve.next(BT * C)
        dln = carve.next(BT * C)
        datty = carve.next(BT * C)
        dqkv = carve.next(3 * BT * C)
        dfchGelu = carve.next(4 * BT * C)
        dfch = carve.next(4 * BT * C)
        dlogits = carve.next(BT * VB)
        dseq = carve.next(maxBatch)
        ones = carve.next(BT)
        scratch = carve.next(W * max(2 * C, maxSequence * maxSequence))
        weightPartials = carve.next((W - 1) * (widest * C + widest))
        precondition(carve.used == total, "the arena carved \(carve.used) floats, MemoryPlan planned \(total)")
        ones.update(repeating: 1, count: BT)

        headChunkFloats = whole ? 0 : LMHead.bufferFloats(V: V)
        headChunks = .allocate(capacity: max(1, headChunkFloats))
        floatCount = total + headChunkFloats
        tokens = .allocate(capacity: BT)
        tokens.initialize(repeating: 0, count: BT)
        targets = .allocate(capacity: BT)
        targets.initialize(repeating: 0, count: BT)
    }

    /// Hands out consecutive tensors of one allocation.
    private struct Carver {
        let base: UnsafeMutablePointer<Float>
        private(set) var used = 0
        init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
        mutating func next(_ floats: Int) -> UnsafeMutablePointer<Float> {
            defer { used += floats }
            return base + used
        }
    }

    deinit {
        storage.deallocate()
        headChunks.deallocate()
        tokens.deallocate()
        targets.deallocate()
    }
}
