import Foundation

/// A text's token ids and their vocabulary strings, as `dpop tokenize` prints them.
public struct TokenizedText: Encodable, Equatable {
    /// The token ids, in order.
    public var ids: [Int32]
    /// Each id's string as the vocabulary spells it (GPT-2 writes a leading space as `Ġ`).
    public var tokens: [String]

    /// Encodes `text` with `tokenizer`.
    public init(_ text: String, tokenizer: any Tokenizer) {
        ids = tokenizer.encode(text)
        tokens = ids.map { tokenizer.tokenString($0) ?? "" }
    }

    /// Encodes the whole contents of the UTF-8 file at `path`.
    public init(file path: String, tokenizer: any Tokenizer) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DPOPError.io(path: path, message: "cannot be read")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DPOPError.io(path: path, message: "is not valid UTF-8 (dpop tokenizes text files)")
        }
        self.init(text, tokenizer: tokenizer)
    }

    /// The ids separated by single spaces.
    public var idsLine: String { ids.map(String.init).joined(separator: " ") }

    /// One JSON object with `ids` and `tokens`; non-ASCII token strings are written as UTF-8.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Integers and strings only: JSONEncoder fails on non-finite floats, which this holds none of.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
