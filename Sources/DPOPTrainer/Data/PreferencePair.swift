/// One preference pair: a prompt with a chosen (preferred) and a rejected completion, plus free-form metadata.
///
/// Tokenisation contract (as TRL does): the prompt and each completion are tokenized separately by the
/// model's tokenizer; a completion's tokens are its own ids followed by the tokenizer's end-of-text id.
/// The model sees the prompt tokens then the completion tokens; only the completion tokens are scored.
/// For the byte-level models the ids are UTF-8 bytes and end-of-text is 256.
public struct PreferencePair: Equatable, Hashable, Sendable {
    /// Text the completions continue.
    public var prompt: String
    /// Preferred completion.
    public var chosen: String
    /// Dispreferred completion.
    public var rejected: String
    /// Other keys of the JSONL line; non-string values hold their compact JSON text (`3`, `[1,2]`, `null`).
    public var metadata: [String: String]

    /// Creates a pair.
    public init(prompt: String, chosen: String, rejected: String, metadata: [String: String] = [:]) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.metadata = metadata
    }

    /// The line's `id`, if it has one.
    public var id: String? { metadata["id"] }

    /// Prompt tokens under the byte tokenizer: its UTF-8 bytes.
    public var promptTokens: [Int32] { tokens(ByteTokenizer()).prompt }
    /// Chosen completion tokens under the byte tokenizer: its UTF-8 bytes, then end-of-text.
    public var chosenTokens: [Int32] { Self.completionTokens(chosen, ByteTokenizer()) }
    /// Rejected completion tokens under the byte tokenizer: its UTF-8 bytes, then end-of-text.
    public var rejectedTokens: [Int32] { Self.completionTokens(rejected, ByteTokenizer()) }

    /// The pair's ids under `tokenizer`: the prompt's, and each completion's followed by end-of-text.
    public func tokens(_ tokenizer: any Tokenizer) -> (prompt: [Int32], chosen: [Int32], rejected: [Int32]) {
        (tokenizer.encode(prompt), Self.completionTokens(chosen, tokenizer), Self.completionTokens(rejected, tokenizer))
    }

    /// A completion's tokens: its ids under `tokenizer` followed by the tokenizer's end-of-text id.
    public static func completionTokens(_ completion: String, _ tokenizer: any Tokenizer) -> [Int32] {
        tokenizer.encode(completion) + [tokenizer.endOfText]
    }

    /// Token Levenshtein distance between the chosen and rejected completions (computed on each call).
    public var editDistance: Int { EditDistance.levenshtein(chosenTokens, rejectedTokens) }

    /// `editDistance` divided by the longer completion's token count.
    public var normalisedEditDistance: Double {
        let c = chosenTokens, r = rejectedTokens
        return EditDistance.normalise(EditDistance.levenshtein(c, r), c.count, r.count)
    }

    /// Shared prefix, shared suffix and differing spans of the chosen (A) and rejected (B) completion tokens.
    public var alignment: PairAlignment { PairAlignment(chosenTokens, rejectedTokens) }

    /// The pair as one JSONL line (no newline): `prompt`, `chosen`, `rejected`, then metadata keys sorted.
    ///
    /// The text is the same on every platform. Metadata values are written as strings, so a
    /// non-string value read from a file comes back as the string of its JSON text.
    public var jsonLine: String {
        var members = [
            JSONValue.Member(key: "prompt", value: .string(prompt)),
            JSONValue.Member(key: "chosen", value: .string(chosen)),
            JSONValue.Member(key: "rejected", value: .string(rejected)),
        ]
        for key in metadata.keys.sorted() {
            members.append(JSONValue.Member(key: key, value: .string(metadata[key]!)))
        }
        return JSONValue.object(members).jsonText
    }

    /// Why a pair's prompt may not be empty: its last token predicts the first completion token, so
    /// without one that token would go unscored. The one rule, for pairs files and SFT corpora alike.
    public static let emptyPromptProblem = "\"prompt\" is empty; the first completion token needs a prompt token before it"

    /// JSONL text of `pairs`: one `jsonLine` per pair, each ending in a newline.
    public static func jsonl(_ pairs: [PreferencePair]) -> String {
        pairs.map { $0.jsonLine + "\n" }.joined()
    }
}
