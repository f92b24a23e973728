import Foundation
import Testing
@testable import DPOPTrainer

/// Byte-level BPE against Hugging Face `tokenizers` (fixtures from scripts/make_bpe_fixture.py).
@Suite struct BPETokenizerTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("bpe")

    /// One fixture line: a text and the ids each fixture tokenizer gives it.
    struct Sample: Decodable {
        var text: String
        var gpt2: [Int32]
        var small: [Int32]
        var small_prefix: [Int32]
    }

    static let samples: [Sample] = {
        let data = FileManager.default.contents(atPath: fixtures.appendingPathComponent("texts.jsonl").path)!
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).map { try! decoder.decode(Sample.self, from: Data($0)) }
    }()

    static let gpt2 = try! BPETokenizer.load(from: fixtures.appendingPathComponent("gpt2"))

    static func firstMismatch(_ tokenizer: BPETokenizer, _ expected: KeyPath<Sample, [Int32]>) -> String? {
        for s in samples where tokenizer.encode(s.text) != s[keyPath: expected] {
            return "\(s.text.debugDescription): got \(tokenizer.encode(s.text)), expected \(s[keyPath: expected])"
        }
        return nil
    }

    @Test func theFixtureIsVariedEnough() {
        #expect(Self.samples.count >= 2000)
        #expect(Self.samples.contains { $0.text.contains(BPETokenizerFiles.endOfTextToken) })
        #expect(Self.samples.contains { $0.text.unicodeScalars.contains { $0.value >= 0x1F600 } })
    }

    @Test func gpt2GivesHuggingFacesIdsForEveryText() {
        #expect(Self.gpt2.encode("Hello world") == [15496, 995])
        #expect(Self.gpt2.vocabularySize == 50257)
        #expect(Self.gpt2.endOfText == 50256)
        #expect(Self.firstMismatch(Self.gpt2, \.gpt2) == nil)
    }

    @Test func decodingRoundTripsEveryText() {
        for s in Self.samples {
            #expect(Self.gpt2.decode(s.gpt2) == s.text)
        }
    }

    @Test func tokenStringsAreTheVocabularysSpelling() {
        #expect(Self.gpt2.tokenString(995) == "\u{120}world")
        #expect(Self.gpt2.tokenString(50256) == "<|endoftext|>")
        #expect(Self.gpt2.tokenString(50257) == nil)
        #expect(Self.gpt2.tokenString(-1) == nil)
    }

    @Test func theArrayFormAndTheTwoFileFormGiveTheSameIds() throws {
        let json = try BPETokenizer.load(from: Self.fixtures.appendingPathComponent("small"))
        #expect(json.source.map(\.lastPathComponent) == ["tokenizer.json"])
        #expect(Self.firstMismatch(json, \.small) == nil)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-two-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("small/\(name)"), to: folder.appendingPathComponent(name))
        }
        let files = try BPETokenizer.load(from: folder)
        #expect(files.source.map(\.lastPathComponent) == ["vocab.json", "merges.txt"])
        #expect(files.endOfText == json.endOfText)
        #expect(Self.firstMismatch(files, \.small) == nil)
    }

    @Test func addPrefixSpaceIsHonouredAfterEveryAddedToken() throws {
        let prefix = try BPETokenizer.load(from: Self.fixtures.appendingPathComponent("small-prefix"))
        #expect(Self.firstMismatch(prefix, \.small_prefix) == nil)
        #expect(prefix.encode("") == [])
    }

    @Test func unknownBytesAndIgnoreMergesGiveTokenizersIds() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("options.json"))
        let fixture = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cases = fixture["cases"] as! [[String: Any]]
        #expect(cases.count == 4)
        for c in cases {
            var tokenizer = fixture["tokenizer"] as! [String: Any]
            var model = tokenizer["model"] as! [String: Any]
            model.merge(c["model"] as! [String: Any]) { $1 }
            tokenizer["model"] = model
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-options-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try JSONSerialization.data(withJSONObject: tokenizer).write(to: folder.appendingPathComponent("tokenizer.json"))
            let bpe = try BPETokenizer.load(from: folder)
            let expected = (c["ids"] as! [[Int]]).map { $0.map(Int32.init) }
            #expect((c["texts"] as! [String]).map(bpe.encode) == expected, "options \(c["model"]!)")
        }
    }

    @Test func canonicallyEquivalentWordsKeepTheirOwnBytes() {
        // Å (U+00C5) and the Angstrom sign (U+212B) are equal Swift strings but different bytes:
        // a cache keyed by String would give the second the first one's ids.
        let a = Self.gpt2.encode(" \u{C5}")
        let angstrom = Self.gpt2.encode(" \u{212B}")
        #expect(a != angstrom)
        #expect(Self.gpt2.decode(angstrom) == " \u{212B}")
        #expect(Self.gpt2.decode(angstrom).unicodeScalars.map(\.value) == [0x20, 0x212B])
    }

    @Test func theByteTokenizerConformsWithoutChangingItsBehaviour() {
        let tokenizer: any Tokenizer = ByteTokenizer()
        #expect(tokenizer.encode("hé") == [104, 195, 169])
        #expect(tokenizer.decode([104, 105, 256, 106]) == "hi")
        #expect(tokenizer.vocabularySize == 257 && tokenizer.endOfText == 256)
        #expect(tokenizer.tokenString(65) == "A" && tokenizer.tokenString(10) == "<0x0A>" && tokenizer.tokenString(256) == "<|endoftext|>")
        #expect(tokenizer.tokenString(257) == nil)
    }
}
