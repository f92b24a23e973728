/// Finds a tokenizer's added tokens (such as `<|endoftext|>`) in the input before pre-tokenisation,
/// as Hugging Face's AddedVocabulary does: first the tokens marked `normalized: false`, then, in the
/// text between those, the others; each pass takes the leftmost match, and of those the longest.
struct AddedTokenSplitter: Sendable {
    /// One added token: its text and id.
    struct Token: Equatable, Sendable {
        var content: String
        var id: Int32
        var normalized: Bool
    }

    /// A piece of the input: a byte range and, if it is an added token, the token's id.
    struct Piece: Equatable {
        var range: Range<Int>
        var id: Int32?
    }

    /// Patterns of one pass grouped by first byte, longest first.
    private struct Pass: Sendable {
        var byFirstByte: [[(bytes: [UInt8], id: Int32)]] = Array(repeating: [], count: 256)
        var isEmpty = true

        init(_ tokens: [Token]) {
            for t in tokens {
                let bytes = Array(t.content.utf8)
                guard let first = bytes.first else { continue }
                byFirstByte[Int(first)].append((bytes, t.id))
                isEmpty = false
            }
            for b in 0..<256 { byFirstByte[b].sort { $0.bytes.count > $1.bytes.count } }
        }

        func split(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into pieces: inout [Piece]) {
            var pending = range.lowerBound
            var p = range.lowerBound
            while p < range.upperBound {
                var matched: (length: Int, id: Int32)?
                for candidate in byFirstByte[Int(text[p])] where candidate.bytes.count <= range.upperBound - p {
                    var k = 1
                    while k < candidate.bytes.count && text[p + k] == candidate.bytes[k] { k += 1 }
                    if k == candidate.bytes.count { matched = (k, candidate.id); break }
                }
                guard let m = matched else { p += 1; continue }
                if pending < p { pieces.append(Piece(range: pending..<p, id: nil)) }
                pieces.append(Piece(range: p..<(p + m.length), id: m.id))
                p += m.length
                pending = p
            }
            if pending < range.upperBound { pieces.append(Piece(range: pending..<range.upperBound, id: nil)) }
        }
    }

    private let passes: [Pass]

    init(_ tokens: [Token]) {
        passes = [Pass(tokens.filter { !$0.normalized }), Pass(tokens.filter { $0.normalized })].filter { !$0.isEmpty }
    }

    /// The pieces of `text`, in order; empty text has none.
    func split(_ text: UnsafeBufferPointer<UInt8>) -> [Piece] {
        var pieces = text.isEmpty ? [] : [Piece(range: 0..<text.count, id: nil)]
        for pass in passes {
            var next: [Piece] = []
            next.reserveCapacity(pieces.count)
            for piece in pieces {
                if piece.id != nil { next.append(piece) } else { pass.split(text, piece.range, into: &next) }
            }
            pieces = next
        }
        return pieces
    }
}
