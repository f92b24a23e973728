/// Byte-level tokenizer: UTF-8 bytes are ids 0–255, end-of-text is id 256.
public struct ByteTokenizer: Tokenizer {
    /// Id of the end-of-text token that closes every completion.
    public static let endOfText: Int32 = 256
    /// Number of ids: 256 bytes plus end-of-text.
    public static let vocabularySize = 257
    /// How `tokenString` spells the end-of-text id (the name GPT-2 gives it).
    public static let endOfTextString = "<|endoftext|>"

    public init() {}

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

    /// A printable ASCII byte as itself, any other byte as `<0xNN>`, end-of-text as `<|endoftext|>`.
    public static func tokenString(_ id: Int32) -> String? {
        switch id {
        case endOfText: return endOfTextString
        case 0x21...0x7E: return String(Unicode.Scalar(UInt8(id)))
        case 0..<256: return "<0x" + String(UInt8(id), radix: 16, uppercase: true).leftPadded(to: 2) + ">"
        default: return nil
        }
    }

    public var vocabularySize: Int { Self.vocabularySize }
    public var endOfText: Int32 { Self.endOfText }
    public func encode(_ text: String) -> [Int32] { Self.encode(text) }
    public func decode(_ ids: [Int32]) -> String { Self.decode(ids) }
    public func tokenString(_ id: Int32) -> String? { Self.tokenString(id) }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
