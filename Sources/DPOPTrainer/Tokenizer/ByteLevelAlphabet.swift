/// GPT-2's byte-to-unicode table: every byte as a printable scalar, so BPE vocabularies are strings.
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 bytes take
/// U+0100 onwards in byte order (space is `Ġ` U+0120, newline `Ċ` U+010A).
enum ByteLevelAlphabet {
    /// The scalar that stands for each byte.
    static let scalarOfByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar stands for, indexed by scalar value (-1: not in the alphabet).
    static let byteOfScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in scalarOfByte.enumerated() { table[Int(s.value)] = Int16(b) }
        return table
    }()

    /// The vocabulary spelling of raw bytes.
    static func string<C: Collection>(of bytes: C) -> String where C.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarOfByte[Int(b)]) }
        return String(s)
    }

    /// The bytes a vocabulary string stands for, as the ByteLevel decoder reads a token: its
    /// alphabet bytes if every scalar is in the alphabet, otherwise the string's own UTF-8.
    static func bytes(of token: String) -> [UInt8] {
        var out: [UInt8] = []
        for s in token.unicodeScalars {
            let v = Int(s.value)
            guard v < byteOfScalar.count, byteOfScalar[v] >= 0 else { return Array(token.utf8) }
            out.append(UInt8(byteOfScalar[v]))
        }
        return out
    }
}
