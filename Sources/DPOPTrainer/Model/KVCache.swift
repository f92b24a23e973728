/// Attention keys and values of the positions a decoder has already run, per layer and per
/// sequence slot, so the next token's forward reads them instead of re-running the prefix.
///
/// Keys and values are stored (L, S, T, C): for one layer and slot, position t's key is C floats at
/// `t·C`, head h's part of it at `t·C + h·hs` — the layout the qkv projection writes them in.
public final class KVCache {
    public let layers: Int
    /// Sequences held at once.
    public let slots: Int
    /// Positions per slot (the model's longest sequence).
    public let maxSequence: Int
    public let channels: Int
    let keys: UnsafeMutablePointer<Float>    // (L, S, T, C)
    let values: UnsafeMutablePointer<Float>  // (L, S, T, C)
    /// Positions held by each slot; the next token of slot s goes to position `lengths[s]`.
    public private(set) var lengths: [Int]

    /// An empty cache for `slots` sequences of `config`'s shape, at most `maxSequence` positions each.
    public init(config: GPTConfig, slots: Int, maxSequence: Int) {
        precondition(slots >= 1 && maxSequence >= 1 && maxSequence <= config.contextLength,
                     "KVCache needs slots ≥ 1 and 1...\(config.contextLength) positions, got \(slots), \(maxSequence)")
        layers = config.layers
        self.slots = slots
        self.maxSequence = maxSequence
        channels = config.channels
        let count = layers * slots * maxSequence * channels
        keys = .allocate(capacity: count)
        keys.initialize(repeating: 0, count: count)
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        lengths = Array(repeating: 0, count: slots)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Floats one cache of this shape holds (keys and values), for sizing how many slots to keep.
    public static func floats(config: GPTConfig, slots: Int, maxSequence: Int) -> Int {
        2 * config.layers * slots * maxSequence * config.channels
    }

    /// Keys of `slot` at `layer`, (T, C).
    @inline(__always)
    func keys(layer: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        keys + ((layer * slots + slot) * maxSequence) * channels
    }

    /// Values of `slot` at `layer`, (T, C).
    @inline(__always)
    func values(layer: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        values + ((layer * slots + slot) * maxSequence) * channels
    }

    /// Forgets every slot's positions.
    public func reset() {
        for s in 0..<slots { lengths[s] = 0 }
    }

    /// Keeps the first `length` positions of `slot` (a decoder that ran ahead on a guess rewinds).
    public func truncate(slot: Int, to length: Int) {
        precondition(length >= 0 && length <= lengths[slot], "slot \(slot) holds \(lengths[slot]) positions, cannot keep \(length)")
        lengths[slot] = length
    }

    /// Records that `count` more positions of `slot` were written.
    func advance(slot: Int, by count: Int) {
        precondition(lengths[slot] + count <= maxSequence, "slot \(slot) would hold \(lengths[slot] + count) positions, over \(maxSequence)")
        lengths[slot] += count
    }
}
