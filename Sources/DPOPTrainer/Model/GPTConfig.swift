/// Shape of a GPT-2 style model: vocabulary, context, depth, width and heads.
public struct GPTConfig: Codable, Equatable, Sendable {
    /// Number of token ids (257 for the byte-level tokenizer: 256 bytes plus end-of-text).
    public var vocabSize: Int
    /// Longest sequence the learned position table covers.
    public var contextLength: Int
    /// Number of transformer blocks.
    public var layers: Int
    /// Number of attention heads per block.
    public var heads: Int
    /// Width of the residual stream.
    public var channels: Int

    /// The model's settings as a spec names them (`model.*`), with their defaults and ranges.
    ///
    /// Sizes have no fixed upper bound: `MemoryPlan` refuses shapes whose arenas exceed the machine's memory.
    public enum Settings {
        public static let layers = Setting<Int>("model.layers", default: 4, .atLeast(1))
        public static let heads = Setting<Int>("model.heads", default: 4, .atLeast(1))
        public static let embedding = Setting<Int>("model.embedding", default: 128, .atLeast(1))
        public static let context = Setting<Int>("model.context", default: 128, .atLeast(1))
    }

    /// Creates a configuration; `channels` must be divisible by `heads`.
    public init(vocabSize: Int = ByteTokenizer.vocabularySize, contextLength: Int = Settings.context.defaultValue,
                layers: Int = Settings.layers.defaultValue, heads: Int = Settings.heads.defaultValue,
                channels: Int = Settings.embedding.defaultValue) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.layers = layers
        self.heads = heads
        self.channels = channels
    }

    /// Width of one attention head.
    public var headSize: Int { channels / heads }

    /// The attention heads split the width evenly; `embeddingKey`/`headsKey` name the settings as the
    /// caller's users write them (`model.embedding` in a spec, `bench.embedding` for `dpop bench`).
    static func checkHeadsDivide(_ channels: Int, _ heads: Int, embeddingKey: String, headsKey: String) throws(SettingError) {
        guard channels % heads == 0 else {
            throw SettingError(setting: embeddingKey, value: String(channels),
                               problem: "(\(channels)) must be divisible by \(headsKey) (\(heads))", related: [headsKey])
        }
    }

    /// Throws `DPOPError.invalidSetting` for a shape the kernels cannot run with (sizes against memory: `MemoryPlan`).
    public func validate() throws(DPOPError) {
        try DPOPError.checkingSettings { () throws(SettingError) in
            try Settings.context.check(contextLength)
            try Settings.layers.check(layers)
            try Settings.heads.check(heads)
            try Settings.embedding.check(channels)
            try Self.checkHeadsDivide(channels, heads, embeddingKey: Settings.embedding.key, headsKey: Settings.heads.key)
            // A checkpoint's vocabulary; the byte tokenizer's 257 otherwise.
            guard vocabSize >= 1 else {
                throw SettingError.outOfRange("model.vocabulary", value: String(vocabSize), requirement: "a whole number >= 1")
            }
        }
    }
}
