import Foundation

/// Training sequences for supervised fine-tuning, read from JSONL: `{"text": …}` lines (every token
/// scored, long texts cut into context-sized windows) or preference pairs (prompt + chosen, only the
/// chosen tokens and end-of-text scored).
public struct SFTCorpus: Sendable {
    public var sequences: [TrainingSequence]
    /// Lines read as plain text and as pairs.
    public var textLines = 0
    public var pairLines = 0

    public init(sequences: [TrainingSequence]) { self.sequences = sequences }

    /// Reads `path`, tokenized by `tokenizer`; every malformed line is reported as `file:line: what is wrong`.
    public static func load(path: String, contextLength: Int, tokenizer: any Tokenizer = ByteTokenizer()) throws -> SFTCorpus {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DPOPError.io(path: path, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DPOPError.io(path: path, message: "not UTF-8 text")
        }
        var corpus = SFTCorpus(sequences: [])
        var errors: [DPOPError] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let number = index + 1
            func bad(_ message: String) { errors.append(.data(file: path, line: number, message: message)) }
            // The pairs loader's JSON parser: strict, and a repeated key is an error rather than a silent pick.
            guard let value = try? JSONValue.parse(line), case .object(let members) = value else {
                bad("not a JSON object")
                continue
            }
            var object: [String: JSONValue] = [:]
            if let repeated = members.first(where: { m in object.updateValue(m.value, forKey: m.key) != nil }) {
                bad("key \"\(repeated.key)\" appears twice")
                continue
            }
            func string(_ key: String) -> String? {
                if case .string(let s)? = object[key] { return s }
                return nil
            }
            if object["text"] != nil {
                guard let doc = string("text"), !doc.isEmpty else { bad("\"text\" must be a non-empty string"); continue }
                corpus.textLines += 1
                corpus.sequences += windows(tokenizer.encode(doc) + [tokenizer.endOfText], context: contextLength)
            } else if object["prompt"] != nil || object["chosen"] != nil {
                guard let prompt = string("prompt") else { bad("\"prompt\" must be a string"); continue }
                guard let chosen = string("chosen") else { bad("\"chosen\" must be a string"); continue }
                if prompt.isEmpty { bad(PreferencePair.emptyPromptProblem); continue }
                if chosen.isEmpty { bad("\"chosen\" is empty"); continue }
                let seq = TrainingSequence.promptCompletion(prompt: tokenizer.encode(prompt), completion: tokenizer.encode(chosen),
                                                            endOfText: tokenizer.endOfText)
                if seq.tokens.count > contextLength {
                    bad("prompt + chosen + end-of-text is \(seq.tokens.count) tokens, \(seq.tokens.count - contextLength) over the model's context of \(contextLength)")
                    continue
                }
                corpus.pairLines += 1
                corpus.sequences.append(seq)
            } else {
                bad("expected a \"text\" key or \"prompt\"/\"chosen\" keys, found \(object.keys.sorted())")
            }
            if errors.count >= 20 { break }
        }
        if let first = errors.first {
            if errors.count == 1 { throw first }
            throw DPOPError.usage(errors.map(\.description).joined(separator: "\n"))
        }
        if corpus.sequences.isEmpty {
            throw DPOPError.io(path: path, message: "no training lines found")
        }
        return corpus
    }

    /// Cuts a token stream into windows of at most `context` tokens that overlap by one, so every
    /// token after the first is a target exactly once.
    static func windows(_ tokens: [Int32], context: Int) -> [TrainingSequence] {
        guard tokens.count >= 2 else { return [] }
        var out: [TrainingSequence] = []
        var start = 0
        while start < tokens.count - 1 {
            let end = min(tokens.count, start + context)
            out.append(TrainingSequence(tokens: Array(tokens[start..<end]), firstTarget: 1))
            start = end - 1
        }
        return out
    }
}
