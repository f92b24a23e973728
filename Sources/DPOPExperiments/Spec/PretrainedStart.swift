import DPOPTrainer
import Foundation

/// A cell's pretrained start (`model.pretrained`): the checkpoint folder and the SHA-256 of what defines it.
///
/// Absent (nil) in specs without `pretrained:`, and then omitted from every JSON, so their cell ids and
/// reference-cache keys are what they were before it existed.
public struct PretrainedStart: Codable, Equatable, Hashable, Sendable {
    /// The folder: absolute for the runner; as the spec wrote it (relative to the spec) in the bytes a cell id hashes.
    public var path: String
    /// SHA-256 of `config.json` followed by the weight files (`PretrainedModel.checkpointFiles`).
    public var checkpointSHA256: String
    /// SHA-256 of the tokenizer files; nil for the byte tokenizer of a byte-level checkpoint.
    public var tokenizerSHA256: String?

    /// Creates a start record.
    public init(path: String, checkpointSHA256: String, tokenizerSHA256: String?) {
        self.path = path
        self.checkpointSHA256 = checkpointSHA256
        self.tokenizerSHA256 = tokenizerSHA256
    }

    /// The record of `model`, read from `path`, with its files hashed.
    public init(_ model: PretrainedModel, path: String) throws {
        let tokenizerFiles = model.tokenizerFiles
        self.init(path: path, checkpointSHA256: try ContentHash.sha256(files: try model.checkpointFiles()),
                  tokenizerSHA256: tokenizerFiles.isEmpty ? nil : try ContentHash.sha256(files: tokenizerFiles))
    }
}
