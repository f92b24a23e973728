import Crypto
import Foundation

/// SHA-256 hex digests (through swift-crypto) for stable cell ids, spec revisions and cache checksums.
public enum ContentHash {
    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256<D: DataProtocol>(_ bytes: D) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of a string's UTF-8 bytes.
    public static func sha256(_ text: String) -> String { sha256(Data(text.utf8)) }
}
