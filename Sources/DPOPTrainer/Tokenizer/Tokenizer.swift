/// Turns text into a model's token ids and back.
///
/// Two kinds exist: ``ByteTokenizer`` (the built-in byte-level models) and ``BPETokenizer``
/// (Hugging Face byte-level BPE of GPT-2-family checkpoints). Neither adds the end-of-text id by
/// itself: the data contract appends it after each completion.
public protocol Tokenizer: Sendable {
    /// Number of ids: a model needs at least this many embedding rows.
    var vocabularySize: Int { get }
    /// Id that closes every completion.
    var endOfText: Int32 { get }
    /// Token ids of `text`, without an end-of-text id.
    func encode(_ text: String) -> [Int32]
    /// Text of `ids` as the tokenizer's own decoder writes it.
    func decode(_ ids: [Int32]) -> String
    /// The token's string as the vocabulary spells it, or nil for an id outside the vocabulary.
    func tokenString(_ id: Int32) -> String?
}
