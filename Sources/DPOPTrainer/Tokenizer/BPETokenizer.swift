import Foundation

/// Hugging Face byte-level BPE (GPT-2 and its family), giving exactly the ids `tokenizers` gives.
///
/// Encoding: added tokens such as `<|endoftext|>` are cut out of the text first; each remaining
/// piece gets a leading space if `add_prefix_space` asks for one, is split by GPT-2's pattern
/// (``GPT2PreTokenizer``), spelled in GPT-2's byte alphabet and merged by rank (``BPEMerges``).
/// Merged words are cached. Decoding maps each token's alphabet back to bytes (the ByteLevel decoder).
public final class BPETokenizer: Tokenizer, @unchecked Sendable {
    /// What a tokenizer file defines, resolved to ids; built by ``BPETokenizerFiles``.
    struct Definition {
        var vocabulary: [String: Int32]
        /// (left, right, merged) ids in rank order.
        var merges: [(left: Int32, right: Int32, merged: Int32)]
        var addedTokens: [AddedTokenSplitter.Token]
        var endOfText: Int32
        var addPrefixSpace = false
        var useRegex = true
        var ignoreMerges = false
        var unknown: Int32?
        var fuseUnknown = false
    }

    public let vocabularySize: Int
    public let endOfText: Int32
    /// The file(s) the tokenizer was read from, for messages and provenance.
    public let source: [URL]

    private let definition: Definition
    private let byteIDs: [Int32]          // id of each single byte's token, -1 if the vocabulary lacks it
    private let merges: BPEMerges
    private let splitter: AddedTokenSplitter
    private let tokenStrings: [String?]   // by id
    private let tokenBytes: [[UInt8]?]    // by id: what the ByteLevel decoder makes of the token

    private let cacheLock = NSLock()
    private var cache: [[UInt8]: [Int32]] = [:]
    private static let cacheLimit = 200_000

    /// Reads the tokenizer of a model folder: `tokenizer.json`, or GPT-2's vocabulary and merges files.
    public static func load(from folder: URL) throws -> BPETokenizer {
        try BPETokenizerFiles.read(folder: folder)
    }

    init(_ definition: Definition, source: [URL]) {
        self.definition = definition
        self.source = source
        endOfText = definition.endOfText
        byteIDs = ByteLevelAlphabet.scalarOfByte.map { definition.vocabulary[String($0)] ?? -1 }
        var merges = BPEMerges()
        for (rank, m) in definition.merges.enumerated() {
            merges.add(left: m.left, right: m.right, merged: m.merged, rank: Int32(rank))
        }
        self.merges = merges
        splitter = AddedTokenSplitter(definition.addedTokens)
        let maxID = max(definition.vocabulary.values.max() ?? -1, definition.addedTokens.map(\.id).max() ?? -1)
        vocabularySize = Int(maxID) + 1
        var strings = [String?](repeating: nil, count: vocabularySize)
        for (token, id) in definition.vocabulary { strings[Int(id)] = token }
        for t in definition.addedTokens { strings[Int(t.id)] = t.content }
        tokenStrings = strings
        tokenBytes = strings.map { $0.map(ByteLevelAlphabet.bytes(of:)) }
    }

    public func tokenString(_ id: Int32) -> String? {
        id >= 0 && Int(id) < tokenStrings.count ? tokenStrings[Int(id)] : nil
    }

    /// Text of `ids`, special tokens included; ids outside the vocabulary are skipped and invalid
    /// UTF-8 becomes U+FFFD, as `tokenizer.decode(ids)` does.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokenBytes.count {
            if let b = tokenBytes[Int(id)] { bytes += b }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func encode(_ text: String) -> [Int32] {
        var utf8 = Array(text.utf8)
        var ids: [Int32] = []
        ids.reserveCapacity(utf8.count / 3 + 1)
        utf8.withUnsafeMutableBufferPointer { mutable in
            let bytes = UnsafeBufferPointer(mutable)
            for piece in splitter.split(bytes) {
                if let id = piece.id { ids.append(id); continue }
                encodePiece(UnsafeBufferPointer(rebasing: bytes[piece.range]), into: &ids)
            }
        }
        return ids
    }

    /// One stretch of text between added tokens: prefix space, pre-tokenisation, BPE.
    private func encodePiece(_ piece: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        if definition.addPrefixSpace && piece.first != 0x20 {
            var spaced = [UInt8(0x20)] + piece
            spaced.withUnsafeMutableBufferPointer { encodeSplit(UnsafeBufferPointer($0), into: &ids) }
        } else {
            encodeSplit(piece, into: &ids)
        }
    }

    private func encodeSplit(_ piece: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        guard definition.useRegex else { return encodeWord(piece[...], into: &ids) }
        GPT2PreTokenizer.split(piece) { range in encodeWord(piece[range], into: &ids) }
    }

    /// The ids of one pre-tokenised word, from the cache or by merging its bytes.
    private func encodeWord(_ word: Slice<UnsafeBufferPointer<UInt8>>, into ids: inout [Int32]) {
        let key = Array(word)
        cacheLock.lock()
        let cached = cache[key]
        cacheLock.unlock()
        if let cached { ids += cached; return }
        let merged = mergeWord(key)
        cacheLock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[key] = merged
        cacheLock.unlock()
        ids += merged
    }

    private func mergeWord(_ word: [UInt8]) -> [Int32] {
        if definition.ignoreMerges, let id = definition.vocabulary[ByteLevelAlphabet.string(of: word)] { return [id] }
        // Bytes the vocabulary lacks become the unknown token (runs of them fused if asked) or,
        // without one, are dropped: what `tokenizers`' BPE does.
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.count)
        var previousUnknown = false
        var i = 0
        while i < word.count {
            // The BPE model works on characters of the byte-level string, one per byte.
            let id = byteIDs[Int(word[i])]
            i += 1
            if id >= 0 {
                symbols.append(id)
                previousUnknown = false
            } else if let unknown = definition.unknown {
                if !(previousUnknown && definition.fuseUnknown) { symbols.append(unknown) }
                previousUnknown = true
            }
        }
        return merges.apply(to: symbols)
    }
}
