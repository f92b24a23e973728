/// Byte-level tokenizer: UTF-8 bytes are ids 0–255, end-of-text is id 256.
public enum ByteTokenizer {
    /// Id of the end-of-text token that closes every completion.
    public static let endOfText: Int32 = 256
    /// Number of ids: 256 bytes plus end-of-text.
    public static let vocabularySize = 257

    /// Token ids of `text`'s UTF-8 bytes (no end-of-text appended).
    public static func encode(_ text: String) -> [Int32] {
        text.utf8.map { Int32($0) }
    }

    /// Text of `tokens`, stopping at the first end-of-text; invalid UTF-8 is repaired.
    public static func decode<S: Sequence>(_ tokens: S) -> String where S.Element == Int32 {
        var bytes: [UInt8] = []
        for t in tokens {
            if t == endOfText { break }
            if t >= 0 && t < 256 { bytes.append(UInt8(t)) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
