/// Why a model folder's tokenizer cannot be read; each names the file and, inside it, the key.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The folder has none of the tokenizer files dpop reads.
    case missingFile(folder: String, lookedFor: [String])
    /// The file is not what its format says: not JSON, a missing key, a value of the wrong type.
    case malformed(file: String, key: String, message: String)
    /// The file is well formed but asks for something dpop cannot reproduce exactly.
    case unsupported(file: String, key: String, message: String, hint: String)

    public var description: String {
        switch self {
        case .missingFile(let folder, let names):
            return "\(folder): no tokenizer file (looked for \(names.joined(separator: ", ")))"
                + "\nhint: save the tokenizer next to the model (tokenizer.save_pretrained(folder)), or copy GPT-2's vocab.json and merges.txt there"
        case .malformed(let file, let key, let message):
            return "\(file): \(key.isEmpty ? "" : "\(key): ")\(message)"
                + "\nhint: the file should be a Hugging Face tokenizer file as tokenizers or transformers save it"
        case .unsupported(let file, let key, let message, let hint):
            return "\(file): \(key): \(message)\nhint: \(hint)"
        }
    }
}
