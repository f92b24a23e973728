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

    /// Creates a configuration; `channels` must be divisible by `heads`.
    public init(vocabSize: Int = ByteTokenizer.vocabularySize, contextLength: Int = 128,
                layers: Int = 4, heads: Int = 4, channels: Int = 128) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.layers = layers
        self.heads = heads
        self.channels = channels
    }

    /// Width of one attention head.
    public var headSize: Int { channels / heads }

    /// Checks the shape for values the kernels cannot run with.
    public func validate() throws {
        func fail(_ message: String) throws -> Never {
            throw DPOPError.invalidConfiguration(message)
        }
        if vocabSize < 1 { try fail("vocabulary size must be positive, got \(vocabSize)") }
        if contextLength < 1 { try fail("context length must be positive, got \(contextLength)") }
        if layers < 1 { try fail("layers must be positive, got \(layers)") }
        if heads < 1 { try fail("heads must be positive, got \(heads)") }
        if channels < 1 || channels % heads != 0 {
            try fail("embedding width \(channels) must be a positive multiple of heads (\(heads))")
        }
    }
}
