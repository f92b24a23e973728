import Foundation

/// Reads the byte-level BPE tokenizer files of a model folder, checking every key dpop relies on.
///
/// `tokenizer.json` (the `tokenizers` format) is preferred; otherwise GPT-2's original pair
/// `vocab.json` (or `encoder.json`) + `merges.txt` (or `vocab.bpe`), where `<|endoftext|>` is the
/// special end-of-text token, as transformers' GPT2Tokenizer makes it.
public enum BPETokenizerFiles {
    /// The `tokenizers` file name.
    public static let tokenizerJSON = "tokenizer.json"
    /// Names of GPT-2's vocabulary file, in the order they are looked for.
    public static let vocabularyFiles = ["vocab.json", "encoder.json"]
    /// Names of GPT-2's merges file, in the order they are looked for.
    public static let mergesFiles = ["merges.txt", "vocab.bpe"]
    /// The token GPT-2-family tokenizers end a text with.
    public static let endOfTextToken = "<|endoftext|>"

    /// Model types of `tokenizers` that are not byte-level BPE.
    private static let otherModelTypes: Set<String> = ["WordPiece", "Unigram", "WordLevel"]

    /// Whether `folder` holds a tokenizer file this type reads.
    public static func present(in folder: URL) -> Bool {
        let fm = FileManager.default
        return ([tokenizerJSON] + vocabularyFiles).contains { fm.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }

    /// The tokenizer of `folder`.
    static func read(folder: URL) throws -> BPETokenizer {
        let fm = FileManager.default
        func existing(_ names: [String]) -> URL? {
            names.lazy.map { folder.appendingPathComponent($0) }.first { fm.fileExists(atPath: $0.path) }
        }
        if let json = existing([tokenizerJSON]) {
            return BPETokenizer(try definition(tokenizerJSON: json), source: [json])
        }
        guard let vocabulary = existing(vocabularyFiles) else {
            throw TokenizerError.missingFile(folder: folder.path, lookedFor: [tokenizerJSON] + vocabularyFiles)
        }
        guard let merges = existing(mergesFiles) else {
            throw TokenizerError.missingFile(folder: folder.path, lookedFor: mergesFiles)
        }
        return BPETokenizer(try definition(vocabulary: vocabulary, merges: merges), source: [vocabulary, merges])
    }

    // MARK: tokenizer.json

    static func definition(tokenizerJSON url: URL) throws -> BPETokenizer.Definition {
        let file = url.path
        let root = try JSONReader(file: file, value: try parseJSON(url), key: "")
        let model = try root.object("model")
        let type = try model.string("type")
        guard type == "BPE" else {
            if otherModelTypes.contains(type) {
                throw TokenizerError.unsupported(file: file, key: "model.type",
                                                 message: "dpop reads byte-level BPE tokenizers; this one is \(type)",
                                                 hint: "use a GPT-2-family model (its tokenizer.json has model.type \"BPE\")")
            }
            throw TokenizerError.malformed(file: file, key: "model.type", message: "unknown model type \"\(type)\"")
        }
        for key in ["normalizer", "truncation", "padding"] where !root.isNull(key) {
            throw TokenizerError.unsupported(file: file, key: key, message: "must be null for dpop's GPT-2 tokenizer",
                                             hint: "GPT-2's tokenizer.json has no \(key); dpop cannot reproduce it exactly")
        }
        var definition = try bpeModel(model, file: file)
        try readPreTokenizer(root, into: &definition, file: file)
        for key in ["decoder", "post_processor"] where !root.isNull(key) {
            let type = try root.object(key).string("type")
            guard type == "ByteLevel" else {
                throw TokenizerError.unsupported(file: file, key: "\(key).type", message: "\(type) is not supported",
                                                 hint: "dpop reads byte-level BPE: a ByteLevel \(key) or none")
            }
        }
        if !root.isNull("added_tokens") {
            for (i, entry) in try root.array("added_tokens").enumerated() {
                let token = try entry.asObject()
                for flag in ["single_word", "lstrip", "rstrip"] where try token.optionalBool(flag) == true {
                    throw TokenizerError.unsupported(file: file, key: "added_tokens[\(i)].\(flag)", message: "true is not supported",
                                                     hint: "dpop matches added tokens exactly as written (GPT-2's <|endoftext|> has all three false)")
                }
                definition.addedTokens.append(.init(content: try token.string("content"), id: try token.id("id"),
                                                    normalized: try token.optionalBool("normalized") ?? true))
            }
        }
        definition.endOfText = try endOfText(definition, file: file, key: "added_tokens")
        return definition
    }

    private static func bpeModel(_ model: JSONReader, file: String) throws -> BPETokenizer.Definition {
        var vocabulary: [String: Int32] = [:]
        let vocab = try model.object("vocab")
        for (token, value) in try vocab.members() {
            vocabulary[token] = try value.asID()
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affix = try model.optionalString(key), !affix.isEmpty {
                throw TokenizerError.unsupported(file: file, key: "model.\(key)", message: "\"\(affix)\" is not supported",
                                                 hint: "byte-level BPE has no word affixes; GPT-2's is null or \"\"")
            }
        }
        if let dropout = try model.optionalDouble("dropout"), dropout != 0 {
            throw TokenizerError.unsupported(file: file, key: "model.dropout", message: "\(dropout) makes encoding random",
                                             hint: "set dropout to null for inference")
        }
        if try model.optionalBool("byte_fallback") == true {
            throw TokenizerError.unsupported(file: file, key: "model.byte_fallback", message: "true is not supported",
                                             hint: "byte-level BPE needs no byte fallback; GPT-2's is false")
        }
        var merges: [(String, String, key: String)] = []
        for (i, entry) in try model.array("merges").enumerated() {
            let key = "model.merges[\(i)]"
            if let line = entry.value as? String {
                guard let pair = splitMerge(line) else {
                    throw TokenizerError.malformed(file: file, key: key, message: "\"\(line)\" is not two tokens separated by one space")
                }
                merges.append((pair.0, pair.1, key))
            } else if let parts = entry.value as? [Any], parts.count == 2, let a = parts[0] as? String, let b = parts[1] as? String {
                merges.append((a, b, key))
            } else {
                throw TokenizerError.malformed(file: file, key: key, message: "a merge is \"a b\" or [\"a\", \"b\"]")
            }
        }
        var definition = BPETokenizer.Definition(vocabulary: vocabulary, merges: try resolve(merges, vocabulary, file: file),
                                                 addedTokens: [], endOfText: -1)
        definition.ignoreMerges = try model.optionalBool("ignore_merges") ?? false
        definition.fuseUnknown = try model.optionalBool("fuse_unk") ?? false
        if let unknown = try model.optionalString("unk_token") {
            guard let id = vocabulary[unknown] else {
                throw TokenizerError.malformed(file: file, key: "model.unk_token", message: "\"\(unknown)\" is not in model.vocab")
            }
            definition.unknown = id
        }
        return definition
    }

    /// The ByteLevel pre-tokenizer, alone or as the only member of a Sequence.
    private static func readPreTokenizer(_ root: JSONReader, into definition: inout BPETokenizer.Definition, file: String) throws {
        let hint = "dpop reads byte-level BPE: a ByteLevel pre_tokenizer (GPT-2's split pattern), or a Sequence holding only that"
        guard !root.isNull("pre_tokenizer") else {
            throw TokenizerError.unsupported(file: file, key: "pre_tokenizer", message: "null is not byte-level", hint: hint)
        }
        var pre = try root.object("pre_tokenizer")
        var type = try pre.string("type")
        if type == "Sequence" {
            let members = try pre.array("pretokenizers")
            guard members.count == 1 else {
                throw TokenizerError.unsupported(file: file, key: "pre_tokenizer.pretokenizers",
                                                 message: "a Sequence of \(members.count) pre-tokenizers is not supported", hint: hint)
            }
            pre = try members[0].asObject()
            type = try pre.string("type")
        }
        guard type == "ByteLevel" else {
            throw TokenizerError.unsupported(file: file, key: "\(pre.key).type", message: "\(type) is not supported", hint: hint)
        }
        definition.addPrefixSpace = try pre.optionalBool("add_prefix_space") ?? false
        definition.useRegex = try pre.optionalBool("use_regex") ?? true
    }

    // MARK: vocab.json + merges.txt

    static func definition(vocabulary vocabURL: URL, merges mergesURL: URL) throws -> BPETokenizer.Definition {
        let vocabFile = vocabURL.path
        var vocabulary: [String: Int32] = [:]
        for (token, value) in try JSONReader(file: vocabFile, value: try parseJSON(vocabURL), key: "").members() {
            vocabulary[token] = try value.asID()
        }
        let mergesFile = mergesURL.path
        guard let data = FileManager.default.contents(atPath: mergesFile) else {
            throw TokenizerError.malformed(file: mergesFile, key: "", message: "cannot be read")
        }
        var merges: [(String, String, key: String)] = []
        // As `tokenizers` reads merges.txt: every line but `#version` ones is "a b"; line numbers are 1-based.
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() where !line.hasPrefix("#version") {
            let key = "line \(i + 1)"
            guard let pair = splitMerge(String(line)) else {
                throw TokenizerError.malformed(file: mergesFile, key: key, message: "\"\(line)\" is not two tokens separated by one space")
            }
            merges.append((pair.0, pair.1, key))
        }
        var definition = BPETokenizer.Definition(vocabulary: vocabulary, merges: try resolve(merges, vocabulary, file: mergesFile),
                                                 addedTokens: [], endOfText: -1)
        definition.endOfText = try endOfText(definition, file: vocabFile, key: "\"\(endOfTextToken)\"")
        definition.addedTokens = [.init(content: endOfTextToken, id: definition.endOfText, normalized: true)]
        return definition
    }

    // MARK: shared

    private static func parseJSON(_ url: URL) throws -> Any {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TokenizerError.malformed(file: url.path, key: "", message: "cannot be read")
        }
        do {
            return try JSONSerialization.jsonObject(with: data)
        } catch {
            throw TokenizerError.malformed(file: url.path, key: "", message: "not valid JSON (\(error.localizedDescription))")
        }
    }

    /// "a b" as (a, b): exactly one space, as `tokenizers` requires.
    private static func splitMerge(_ line: String) -> (String, String)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }

    /// Merges as ids; each side and their concatenation must be in the vocabulary.
    private static func resolve(_ merges: [(String, String, key: String)], _ vocabulary: [String: Int32],
                                file: String) throws -> [(left: Int32, right: Int32, merged: Int32)] {
        try merges.map { a, b, key in
            for token in [a, b, a + b] where vocabulary[token] == nil {
                throw TokenizerError.malformed(file: file, key: key, message: "\"\(token)\" is not in the vocabulary")
            }
            return (vocabulary[a]!, vocabulary[b]!, vocabulary[a + b]!)
        }
    }

    private static func endOfText(_ definition: BPETokenizer.Definition, file: String, key: String) throws -> Int32 {
        if let added = definition.addedTokens.first(where: { $0.content == endOfTextToken }) { return added.id }
        if let id = definition.vocabulary[endOfTextToken] { return id }
        throw TokenizerError.unsupported(file: file, key: key, message: "no \(endOfTextToken) token",
                                         hint: "dpop ends every completion with GPT-2's \(endOfTextToken); this tokenizer has none")
    }
}

/// A JSON value inside a tokenizer file, with the key path that reached it for error messages.
struct JSONReader {
    let file: String
    let value: Any
    let key: String

    init(file: String, value: Any, key: String) throws {
        self.file = file
        self.value = value
        self.key = key
    }

    private func child(_ name: String) -> String { key.isEmpty ? name : "\(key).\(name)" }

    private func dictionary() throws -> [String: Any] {
        guard let d = value as? [String: Any] else { throw wrongType("an object") }
        return d
    }

    private func wrongType(_ expected: String, at path: String? = nil) -> TokenizerError {
        .malformed(file: file, key: path ?? key, message: "expected \(expected)")
    }

    private func member(_ name: String) throws -> Any {
        guard let v = try dictionary()[name] else {
            throw TokenizerError.malformed(file: file, key: child(name), message: "missing")
        }
        return v
    }

    func isNull(_ name: String) -> Bool {
        guard let d = value as? [String: Any], let v = d[name] else { return true }
        return v is NSNull
    }

    func object(_ name: String) throws -> JSONReader {
        let v = try member(name)
        guard v is [String: Any] else { throw wrongType("an object", at: child(name)) }
        return try JSONReader(file: file, value: v, key: child(name))
    }

    func asObject() throws -> JSONReader {
        guard value is [String: Any] else { throw wrongType("an object") }
        return self
    }

    func array(_ name: String) throws -> [JSONReader] {
        guard let items = try member(name) as? [Any] else { throw wrongType("an array", at: child(name)) }
        return try items.enumerated().map { try JSONReader(file: file, value: $1, key: "\(child(name))[\($0)]") }
    }

    /// The members of an object, in no particular order.
    func members() throws -> [(String, JSONReader)] {
        try dictionary().map { (k, v) in (k, try JSONReader(file: file, value: v, key: key.isEmpty ? "\"\(k)\"" : "\(key).\"\(k)\"")) }
    }

    func string(_ name: String) throws -> String {
        guard let s = try member(name) as? String else { throw wrongType("a string", at: child(name)) }
        return s
    }

    func id(_ name: String) throws -> Int32 {
        try JSONReader(file: file, value: try member(name), key: child(name)).asID()
    }

    /// A token id: a non-negative integer.
    func asID() throws -> Int32 {
        guard let n = value as? NSNumber, !Self.isBoolean(value), let id = Int32(exactly: n.doubleValue), id >= 0 else {
            throw wrongType("a non-negative integer id")
        }
        return id
    }

    func optionalString(_ name: String) throws -> String? {
        if isNull(name) { return nil }
        guard let s = try member(name) as? String else { throw wrongType("a string or null", at: child(name)) }
        return s
    }

    func optionalBool(_ name: String) throws -> Bool? {
        if isNull(name) { return nil }
        let v = try member(name)
        guard Self.isBoolean(v), let b = v as? Bool else { throw wrongType("true or false", at: child(name)) }
        return b
    }

    func optionalDouble(_ name: String) throws -> Double? {
        if isNull(name) { return nil }
        let v = try member(name)
        guard let n = v as? NSNumber, !Self.isBoolean(v) else { throw wrongType("a number or null", at: child(name)) }
        return n.doubleValue
    }

    /// JSONSerialization gives `true` and `1` both as NSNumber (and `as? Bool` accepts either);
    /// only the class tells them apart.
    private static let booleanClass: AnyClass = type(of: NSNumber(value: true) as AnyObject)

    static func isBoolean(_ value: Any) -> Bool {
        value is NSNumber && type(of: value as AnyObject) == booleanClass
    }
}
