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
    let fch: UnsafeMutablePointer<Float>       // (L, B, T, 4C)
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

        var sizes: [Int] = [
            BT * C, BT * C, BT, BT, BT * V, BT * V, BT, maxBatch,                // whole model
            L * BT * C, L * BT, L * BT, L * 3 * BT * C, L * BT * C, L * strideAtt, // per layer
            L * BT * C, L * BT * C, L * BT * C, L * BT, L * BT, L * 4 * BT * C,
            L * 4 * BT * C, L * BT * C, L * BT * C,
            BT, // mask
        ]
        floatCount = sizes.reduce(0, +)
        storage = .allocate(capacity: floatCount)
        storage.initialize(repeating: 0, count: floatCount)
        var cursor = storage
        func take() -> UnsafeMutablePointer<Float> {
            let p = cursor
            cursor += sizes.removeFirst()
            return p
        }
        encoded = take(); lnf = take(); lnfMean = take(); lnfRstd = take()
        logits = take(); probs = take(); tokenLogp = take(); seqLogp = take()
        ln1 = take(); ln1Mean = take(); ln1Rstd = take(); qkv = take(); atty = take(); att = take()
        attproj = take(); residual2 = take(); ln2 = take(); ln2Mean = take(); ln2Rstd = take()
        fch = take(); fchGelu = take(); fcproj = take(); residual3 = take()
        mask = take()
        tokens = .allocate(capacity: BT)
        tokens.initialize(repeating: 0, count: BT)
        targets = .allocate(capacity: BT)
        targets.initialize(repeating: 0, count: BT)

        let scratchWidth = max(2 * C, maxSequence * maxSequence)
        var backSizes = [BT * C, BT * C, BT * C, 3 * BT * C, 4 * BT * C, 4 * BT * C, BT * V,
                         maxBatch, BT, Parallel.maxWorkers * scratchWidth]
        backwardFloatCount = backSizes.reduce(0, +)
        backwardStorage = .allocate(capacity: backwardFloatCount)
        backwardStorage.initialize(repeating: 0, count: backwardFloatCount)
        var bcursor = backwardStorage
        func takeBack() -> UnsafeMutablePointer<Float> {
            let p = bcursor
            bcursor += backSizes.removeFirst()
            return p
        }
        dresidual = takeBack(); dln = takeBack(); datty = takeBack(); dqkv = takeBack()
        dfchGelu = takeBack(); dfch = takeBack(); dlogits = takeBack(); dseq = takeBack()
        ones = takeBack(); scratch = takeBack()
        ones.update(repeating: 1, count: BT)
    }

    deinit {
        storage.deallocate()
        backwardStorage.deallocate()
        tokens.deallocate()
        targets.deallocate()
    }
}
