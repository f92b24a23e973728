/// Forward activations of every layer and the backward scratch, in one flat allocation each,
/// sized for (maxBatch, maxSequence); smaller batches use a prefix of each tensor.
final class ActivationArena {
    let maxBatch: Int
    let maxSequence: Int
    private let storage: UnsafeMutablePointer<Float>
    private let backwardStorage: UnsafeMutablePointer<Float>
    let floatCount: Int
    let backwardFloatCount: Int

    // Forward, whole model
    let encoded: UnsafeMutablePointer<Float>   // (B, T, C)
    let lnf: UnsafeMutablePointer<Float>       // (B, T, C)
    let lnfMean: UnsafeMutablePointer<Float>   // (B, T)
    let lnfRstd: UnsafeMutablePointer<Float>   // (B, T)
    let logits: UnsafeMutablePointer<Float>    // (B, T, V)
    let probs: UnsafeMutablePointer<Float>     // (B, T, V)
    let tokenLogp: UnsafeMutablePointer<Float> // (B, T)
    let seqLogp: UnsafeMutablePointer<Float>   // (B)
    // Forward, per layer: base pointers, layer l at base + l * stride
    let ln1: UnsafeMutablePointer<Float>       // (L, B, T, C)
    let ln1Mean: UnsafeMutablePointer<Float>   // (L, B, T)
    let ln1Rstd: UnsafeMutablePointer<Float>   // (L, B, T)
    let qkv: UnsafeMutablePointer<Float>       // (L, B, T, 3C)
    let atty: UnsafeMutablePointer<Float>      // (L, B, T, C)
    let att: UnsafeMutablePointer<Float>       // (L, B, NH, T, T)
    let attproj: UnsafeMutablePointer<Float>   // (L, B, T, C)
    let residual2: UnsafeMutablePointer<Float> // (L, B, T, C)
    let ln2: UnsafeMutablePointer<Float>       // (L, B, T, C)
    let ln2Mean: UnsafeMutablePointer<Float>   // (L, B, T)
    let ln2Rstd: UnsafeMutablePointer<Float>   // (L, B, T)
    let fch: UnsafeMutablePointer<Float>       // (L, B, T, 4C): fc output, then gelu'(fc output)
    let fchGelu: UnsafeMutablePointer<Float>   // (L, B, T, 4C)
    let fcproj: UnsafeMutablePointer<Float>    // (L, B, T, C)
    let residual3: UnsafeMutablePointer<Float> // (L, B, T, C)
    // Inputs copied in by forward, read again by backward
    let tokens: UnsafeMutablePointer<Int32>    // (B, T)
    let targets: UnsafeMutablePointer<Int32>   // (B, T)
    let mask: UnsafeMutablePointer<Float>      // (B, T)

    // Backward scratch, reused by every layer (the residual gradient flows through `dresidual`)
    let dresidual: UnsafeMutablePointer<Float> // (B, T, C)
    let dln: UnsafeMutablePointer<Float>       // (B, T, C)
    let datty: UnsafeMutablePointer<Float>     // (B, T, C)
    let dqkv: UnsafeMutablePointer<Float>      // (B, T, 3C)
    let dfchGelu: UnsafeMutablePointer<Float>  // (B, T, 4C)
    let dfch: UnsafeMutablePointer<Float>      // (B, T, 4C)
    let dlogits: UnsafeMutablePointer<Float>   // (B, T, V)
    let dseq: UnsafeMutablePointer<Float>      // (B)
    let ones: UnsafeMutablePointer<Float>      // (B·T), for bias gradients through sgemv
    let scratch: UnsafeMutablePointer<Float>   // (maxWorkers, max(2C, T·T))
    let weightPartials: UnsafeMutablePointer<Float> // (maxWorkers - 1, max(4C, V)·C + max(4C, V))

    /// Per-layer strides in floats.
    let strideBTC: Int, strideBT: Int, strideAtt: Int

    init(config: GPTConfig, maxBatch: Int, maxSequence: Int) {
        self.maxBatch = maxBatch
        self.maxSequence = maxSequence
        let L = config.layers, C = config.channels, V = config.vocabSize, NH = config.heads
        let BT = maxBatch * maxSequence
        strideBTC = BT * C
        strideBT = BT
        strideAtt = maxBatch * NH * maxSequence * maxSequence

        let forward = Self.carve([
            BT * C, BT * C, BT, BT, BT * V, BT * V, BT, maxBatch,                // whole model
            L * BT * C, L * BT, L * BT, L * 3 * BT * C, L * BT * C, L * strideAtt, // per layer
            L * BT * C, L * BT * C, L * BT * C, L * BT, L * BT, L * 4 * BT * C,
            L * 4 * BT * C, L * BT * C, L * BT * C,
            BT, // mask
        ])
        (storage, floatCount) = (forward.base, forward.count)
        var f = forward.tensors.makeIterator()
        encoded = f.next()!; lnf = f.next()!; lnfMean = f.next()!; lnfRstd = f.next()!
        logits = f.next()!; probs = f.next()!; tokenLogp = f.next()!; seqLogp = f.next()!
        ln1 = f.next()!; ln1Mean = f.next()!; ln1Rstd = f.next()!; qkv = f.next()!; atty = f.next()!; att = f.next()!
        attproj = f.next()!; residual2 = f.next()!; ln2 = f.next()!; ln2Mean = f.next()!; ln2Rstd = f.next()!
        fch = f.next()!; fchGelu = f.next()!; fcproj = f.next()!; residual3 = f.next()!
        mask = f.next()!
        tokens = .allocate(capacity: BT)
        tokens.initialize(repeating: 0, count: BT)
        targets = .allocate(capacity: BT)
        targets.initialize(repeating: 0, count: BT)

        let scratchWidth = max(2 * C, maxSequence * maxSequence)
        let widestOut = max(4 * C, V)
        let backward = Self.carve([BT * C, BT * C, BT * C, 3 * BT * C, 4 * BT * C, 4 * BT * C, BT * V,
                                   maxBatch, BT, Parallel.maxWorkers * scratchWidth,
                                   (Parallel.maxWorkers - 1) * (widestOut * C + widestOut)])
        (backwardStorage, backwardFloatCount) = (backward.base, backward.count)
        var g = backward.tensors.makeIterator()
        dresidual = g.next()!; dln = g.next()!; datty = g.next()!; dqkv = g.next()!
        dfchGelu = g.next()!; dfch = g.next()!; dlogits = g.next()!; dseq = g.next()!
        ones = g.next()!; scratch = g.next()!; weightPartials = g.next()!
        ones.update(repeating: 1, count: BT)
    }

    /// One zeroed allocation holding tensors of `sizes` floats back to back, and where each starts.
    private static func carve(_ sizes: [Int]) -> (base: UnsafeMutablePointer<Float>, count: Int, tensors: [UnsafeMutablePointer<Float>]) {
        let count = sizes.reduce(0, +)
        let base = UnsafeMutablePointer<Float>.allocate(capacity: count)
        base.initialize(repeating: 0, count: count)
        var offset = 0
        let tensors = sizes.map { size -> UnsafeMutablePointer<Float> in
            defer { offset += size }
            return base + offset
        }
        return (base, count, tensors)
    }

    deinit {
        storage.deallocate()
        backwardStorage.deallocate()
        tokens.deallocate()
        targets.deallocate()
    }
}
