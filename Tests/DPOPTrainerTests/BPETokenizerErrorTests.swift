import Foundation
import Testing
@testable import DPOPTrainer

/// Every bad tokenizer folder is a typed error naming the file and the key.
@Suite struct BPETokenizerErrorTests {
    static let fixtures = BPETokenizerTests.fixtures

    /// A fresh folder holding `files` (name → contents).
    static func folder(_ files: [String: Data]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    /// The small fixture's tokenizer.json with `edit` applied.
    static func smallTokenizerJSON(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("small/tokenizer.json"))
        var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    static func loadError(_ files: [String: Data]) throws -> TokenizerError? {
        let dir = try folder(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try BPETokenizer.load(from: dir)
            return nil
        } catch let error as TokenizerError {
            return error
        }
    }

    static func model(_ json: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var model = json["model"] as! [String: Any]
        edit(&model)
        json["model"] = model
    }

    @Test func aUnigramModelIsRefusedByName() throws {
        let file = Self.fixtures.appendingPathComponent("unigram/tokenizer.json")
        #expect(throws: TokenizerError.unsupported(file: file.path, key: "model.type",
                                                   message: "dpop reads byte-level BPE tokenizers; this one is Unigram",
                                                   hint: "use a GPT-2-family model (its tokenizer.json has model.type \"BPE\")")) {
            try BPETokenizer.load(from: file.deletingLastPathComponent())
        }
    }

    @Test(arguments: ["WordPiece", "WordLevel"])
    func otherModelTypesAreRefusedByName(type: String) throws {
        let error = try Self.loadError(["tokenizer.json": Self.smallTokenizerJSON { Self.model(&$0) { $0["type"] = type } }])
        #expect(error?.description.contains("tokenizer.json: model.type: dpop reads byte-level BPE tokenizers; this one is \(type)") == true)
    }

    @Test func aFolderWithoutTokenizerFilesSaysWhichNamesWereLookedFor() throws {
        let error = try Self.loadError(["config.json": Data("{}".utf8)])
        #expect(error?.description.contains("no tokenizer file (looked for tokenizer.json, vocab.json, encoder.json)") == true)
        let noMerges = try Self.loadError(["vocab.json": Data("{\"a\": 0}".utf8)])
        #expect(noMerges?.description.contains("looked for merges.txt, vocab.bpe") == true)
    }

    @Test func malformedFilesNameTheKey() throws {
        let cases: [(Data, String)] = [
            (Data("{\"model\": ".utf8), "tokenizer.json: not valid JSON"),
            (try Self.smallTokenizerJSON { $0["model"] = nil }, "tokenizer.json: model: missing"),
            (try Self.smallTokenizerJSON { Self.model(&$0) { $0["vocab"] = nil } }, "tokenizer.json: model.vocab: missing"),
            (try Self.smallTokenizerJSON { Self.model(&$0) { $0["type"] = nil } }, "tokenizer.json: model.type: missing"),
            (try Self.smallTokenizerJSON { Self.model(&$0) { $0["merges"] = "a b" } }, "tokenizer.json: model.merges: expected an array"),
            (try Self.smallTokenizerJSON { Self.model(&$0) { $0["merges"] = ["a  b"] } },
             "tokenizer.json: model.merges[0]: \"a  b\" is not two tokens separated by one space"),
            (try Self.smallTokenizerJSON { Self.model(&$0) { $0["merges"] = [["a", "b", "c"]] } },
             "tokenizer.json: model.merges[0]: a merge is \"a b\" or [\"a\", \"b\"]"),
            (try Self.smallTokenizerJSON { Self.model(&$0) { $0["merges"] = ["a \u{2603}"] } },
             "tokenizer.json: model.merges[0]: \"\u{2603}\" is not in the vocabulary"),
            (try Self.smallTokenizerJSON { Self.model(&$0) { $0["vocab"] = ["a": "zero"] } },
             "tokenizer.json: model.vocab.\"a\": expected a non-negative integer id"),
            (try Self.smallTokenizerJSON { $0["added_tokens"] = [["content": "<|endoftext|>"]] }, "tokenizer.json: added_tokens[0].id: missing"),
        ]
        for (data, expected) in cases {
            let error = try Self.loadError(["tokenizer.json": data])
            #expect(error?.description.contains(expected) == true, "\(error.map(String.init(describing:)) ?? "no error") should contain \(expected)")
        }
    }

    @Test func whatDpopCannotReproduceExactlyIsRefused() throws {
        let cases: [((inout [String: Any]) -> Void, String)] = [
            ({ $0["normalizer"] = ["type": "NFC"] }, "tokenizer.json: normalizer: must be null"),
            ({ $0["pre_tokenizer"] = ["type": "Whitespace"] }, "tokenizer.json: pre_tokenizer.type: Whitespace is not supported"),
            ({ $0["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [["type": "Digits"], ["type": "ByteLevel"]]] },
             "tokenizer.json: pre_tokenizer.pretokenizers: a Sequence of 2 pre-tokenizers is not supported"),
            ({ $0["pre_tokenizer"] = NSNull() }, "tokenizer.json: pre_tokenizer: null is not byte-level"),
            ({ $0["decoder"] = ["type": "WordPiece"] }, "tokenizer.json: decoder.type: WordPiece is not supported"),
            ({ $0["post_processor"] = ["type": "TemplateProcessing"] }, "tokenizer.json: post_processor.type: TemplateProcessing is not supported"),
            ({ $0["truncation"] = ["max_length": 8] }, "tokenizer.json: truncation: must be null"),
            ({ Self.model(&$0) { $0["dropout"] = 0.1 } }, "tokenizer.json: model.dropout: 0.1 makes encoding random"),
            ({ Self.model(&$0) { $0["continuing_subword_prefix"] = "##" } }, "tokenizer.json: model.continuing_subword_prefix"),
            ({ $0["added_tokens"] = [["id": 0, "content": "<|endoftext|>", "lstrip": true]] },
             "tokenizer.json: added_tokens[0].lstrip: true is not supported"),
            ({ $0["added_tokens"] = []; Self.model(&$0) { var v = $0["vocab"] as! [String: Any]; v["<|endoftext|>"] = nil; $0["vocab"] = v } },
             "tokenizer.json: added_tokens: no <|endoftext|> token"),
        ]
        for (edit, expected) in cases {
            let error = try Self.loadError(["tokenizer.json": Self.smallTokenizerJSON(edit)])
            #expect(error?.description.contains(expected) == true, "\(error.map(String.init(describing:)) ?? "no error") should contain \(expected)")
            #expect(error?.description.contains("\nhint: ") == true)
        }
    }

    @Test func aSequenceHoldingOnlyByteLevelGivesTheSameIds() throws {
        let data = try Self.smallTokenizerJSON { json in
            json["pre_tokenizer"] = ["type": "Sequence", "pretokenizers": [json["pre_tokenizer"]!]]
        }
        let dir = try Self.folder(["tokenizer.json": data])
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokenizer = try BPETokenizer.load(from: dir)
        #expect(BPETokenizerTests.firstMismatch(tokenizer, \.small) == nil)
    }

    @Test func aBadMergesLineIsNamedByNumber() throws {
        let vocab = try Data(contentsOf: Self.fixtures.appendingPathComponent("small/vocab.json"))
        let error = try Self.loadError(["vocab.json": vocab, "merges.txt": Data("#version: 0.2\n\u{120} t\nnot-a-pair\n".utf8)])
        #expect(error?.description.contains("merges.txt: line 3: \"not-a-pair\" is not two tokens separated by one space") == true)
        let badVocab = try Self.loadError(["encoder.json": Data("[1, 2]".utf8), "vocab.bpe": Data()])
        #expect(badVocab?.description.contains("encoder.json: expected an object") == true)
    }
}
