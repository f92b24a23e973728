import Foundation

/// The tokenizer of a model folder: its byte-level BPE files, or for a byte-level dpop checkpoint
/// (config.json with a 257-token vocabulary and no tokenizer files) the byte tokenizer.
public enum CheckpointTokenizer {
    /// Reads the tokenizer `folder` holds; a folder with neither is an error naming the files looked for.
    public static func load(from folder: URL) throws -> any Tokenizer {
        if BPETokenizerFiles.present(in: folder) { return try BPETokenizer.load(from: folder) }
        let lookedFor = [BPETokenizerFiles.tokenizerJSON] + BPETokenizerFiles.vocabularyFiles
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(GPT2Checkpoint.configFile).path) else {
            throw TokenizerError.missingFile(folder: folder.path, lookedFor: lookedFor)
        }
        guard try GPT2Checkpoint.readConfig(from: folder).vocabSize == ByteTokenizer.vocabularySize else {
            throw TokenizerError.missingFile(folder: folder.path, lookedFor: lookedFor)
        }
        return ByteTokenizer()
    }
}
