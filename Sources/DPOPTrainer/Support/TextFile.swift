import Foundation

/// Reading the text files users name (specs, pairs files): says what a path is when it is not a
/// regular file, and where the first byte that is not UTF-8 sits, instead of Foundation's
/// "You don't have permission" (a device) or "The file isn't in the correct format" (no position).
public enum TextFile {
    /// What `path` is when it exists but is not a regular file (after following links): "a directory",
    /// "a FIFO (named pipe)", "a character device", …; nil for a regular file or when nothing is there.
    public static func nonRegularKind(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// The bytes of the regular file at `path`; `what` names it in errors ("the pairs file"). A path that
    /// is missing, unreadable or not a regular file is a `DPOPError.io` saying which.
    public static func bytes(_ path: String, what: String) throws -> Data {
        // Checked first: opening a FIFO would wait for a writer, and a device reads as something else.
        if let kind = nonRegularKind(path) {
            throw DPOPError.io(path: path, message: "cannot read \(what): it is \(kind), not a file")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw DPOPError.io(path: path, message: "cannot read \(what): \(reason)")
        }
    }

    /// Where text is not UTF-8: the 0-based byte offset of the first bad byte, its 1-based line and column
    /// (in Unicode scalars, as diagnostics count), that line as far as it decodes, and what is wrong.
    public struct EncodingProblem: Equatable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var line: Int
        public var column: Int
        public var sourceLine: String
        public var message: String
        /// What to do about it.
        public static let hint = "save the file as UTF-8"

        public var description: String { message }
    }

    /// The first place `bytes` is not UTF-8 (nil when it all is); UTF-16 text is named as such.
    public static func utf8Problem(_ bytes: [UInt8]) -> EncodingProblem? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let order = bytes[0] == 0xFF ? "little-endian" : "big-endian"
            return EncodingProblem(offset: 0, line: 1, column: 1, sourceLine: "",
                                   message: "the file is UTF-16 (\(order) byte-order mark \(hex(bytes[0])) \(hex(bytes[1]))), not UTF-8")
        }
        // UTF-16 without a byte-order mark: ASCII text with a zero byte beside every character.
        if bytes.count >= 2, (bytes[0] == 0) != (bytes[1] == 0) {
            let at = bytes[0] == 0 ? 0 : 1
            return EncodingProblem(offset: at, line: 1, column: at + 1, sourceLine: "",
                                   message: "byte 0x00 at byte offset \(at): the file looks like UTF-16, not UTF-8")
        }
        var line = 1
        var lineStart = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0x0A { line += 1; lineStart = i + 1 }
                i += 1
                continue
            }
            let length = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0
            if length > 0, i + length <= bytes.count, String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil {
                i += length
                continue
            }
            let before = String(decoding: bytes[lineStart..<i], as: UTF8.self)
            let lineEnd = bytes[i...].firstIndex(of: 0x0A) ?? bytes.count
            return EncodingProblem(offset: i, line: line, column: before.unicodeScalars.count + 1,
                                   sourceLine: String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self),
                                   message: "byte \(hex(b)) at byte offset \(i) is not UTF-8")
        }
        return nil
    }

    private static func hex(_ b: UInt8) -> String { String(format: "0x%02X", b) }
}
