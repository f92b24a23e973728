import Crypto
import Foundation

/// SHA-256 hex digests (through swift-crypto) for stable cell ids, spec revisions and cache checksums.
public enum ContentHash {
    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256<D: DataProtocol>(_ bytes: D) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of the bytes of `files`, one after the other (a checkpoint's weights, a tokenizer's files).
    public static func sha256(files: [URL]) throws -> String {
        var hasher = SHA256()
        for file in files {
            let data = try Data(contentsOf: file, options: .alwaysMapped)
            hasher.update(data: data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of a string's UTF-8 bytes.
    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }
}
