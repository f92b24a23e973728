import Foundation

/// A model folder to start from or score with: its shape (`config.json`), its tokenizer, and its weights.
///
/// Opening reads and checks the config and the tokenizer (the weights load later, into a model sized for
/// the caller's batches); a tokenizer with more ids than the model has embedding rows is an error.
public struct PretrainedModel: Sendable {
    /// The checkpoint folder.
    public let directory: URL
    /// The shape `config.json` gives.
    public let config: GPTConfig
    /// The folder's tokenizer: its byte-level BPE files, or the byte tokenizer for a byte-level dpop checkpoint.
    public let tokenizer: any Tokenizer

    /// Reads `directory`'s config and tokenizer and checks that they fit together.
    public static func open(_ directory: URL) throws -> PretrainedModel {
        let config = try GPT2Checkpoint.readConfig(from: directory)
        let tokenizer = try CheckpointTokenizer.load(from: directory)
        guard tokenizer.vocabularySize <= config.vocabSize else {
            let files = (tokenizer as? BPETokenizer)?.source.map(\.lastPathComponent).joined(separator: ", ") ?? "the byte tokenizer"
            throw DPOPError.checkpoint(path: directory.appendingPathComponent(GPT2Checkpoint.configFile).path,
                                       message: "vocab_size: the model has \(config.vocabSize) token ids, its tokenizer (\(files)) \(tokenizer.vocabularySize)",
                                       hint: "the tokenizer files belong to another model; copy the ones saved with these weights")
        }
        return PretrainedModel(directory: directory, config: config, tokenizer: tokenizer)
    }

    /// A model sized for `maxBatch` rows of up to `maxSequence` positions (at most the context), holding the weights.
    public func load(maxBatch: Int, maxSequence: Int? = nil, maxRow: Int? = nil) throws -> GPTModel {
        let model = try GPTModel(config: config, maxBatch: maxBatch,
                                 maxSequence: min(maxSequence ?? config.contextLength, config.contextLength), maxRow: maxRow)
        try GPT2Checkpoint.load(into: model, from: directory)
        return model
    }

    /// The files whose bytes define the model: `config.json`, then the weight files.
    public func checkpointFiles() throws -> [URL] {
        [directory.appendingPathComponent(GPT2Checkpoint.configFile)] + (try GPT2Checkpoint.weightFiles(in: directory))
    }

    /// The files the tokenizer was read from (none for the byte tokenizer).
    public var tokenizerFiles: [URL] { (tokenizer as? BPETokenizer)?.source ?? [] }
}
