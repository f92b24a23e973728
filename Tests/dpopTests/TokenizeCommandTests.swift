import Foundation
import Testing
@testable import dpop

/// `dpop tokenize` prints the ids Hugging Face's tokenizer gives (the BPE fixture of DPOPTrainerTests).
@Suite struct TokenizeCommandTests {
    static let bpeFixtures = PortableBinaryTests.packageRoot.appendingPathComponent("Tests/DPOPTrainerTests/Fixtures/bpe")
    static let gpt2 = bpeFixtures.appendingPathComponent("gpt2").path

    /// Runs the built `dpop` with `arguments`: exit status, stdout, stderr.
    static func dpop(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = PortableBinaryTests.productsDirectory.appendingPathComponent("dpop")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// Fixture texts and their GPT-2 ids.
    static func samples() throws -> [(text: String, ids: [Int32])] {
        let data = try Data(contentsOf: bpeFixtures.appendingPathComponent("texts.jsonl"))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            return (object["text"] as! String, (object["gpt2"] as! [Int]).map(Int32.init))
        }
    }

    @Test func theArgumentsParse() throws {
        let parsed = try DPOP.parseAsRoot(["tokenize", "--model", "m", "--text", "hi", "--json"])
        let command = try #require(parsed as? TokenizeCommand)
        #expect(command.model == "m" && command.text == "hi" && command.file == nil && command.json)
        #expect(throws: (any Error).self) { try DPOP.parseAsRoot(["tokenize", "--model", "m"]) }
        #expect(throws: (any Error).self) { try DPOP.parseAsRoot(["tokenize", "--model", "m", "--text", "a", "--file", "b"]) }
    }

    @Test func itPrintsTheFixturesIdsForATextAndForAFile() throws {
        let samples = try Self.samples()
        let special = try #require(samples.first { $0.text.contains("<|endoftext|>") && $0.text.count > 20 })
        let text = try Self.dpop(["tokenize", "--model", Self.gpt2, "--text", special.text])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out == special.ids.map(String.init).joined(separator: " ") + "\n")

        let multiline = try #require(samples.first { $0.text.contains("\n") && $0.text.unicodeScalars.contains { $0.value > 0xFFFF } })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tokenize-\(UUID().uuidString).txt")
        try Data(multiline.text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try Self.dpop(["tokenize", "--model", Self.gpt2, "--file", file.path])
        #expect(fromFile.status == 0, "\(fromFile.err)")
        #expect(fromFile.out == multiline.ids.map(String.init).joined(separator: " ") + "\n")
    }

    @Test func jsonHasTheIdsAndTheVocabularysTokenStrings() throws {
        let run = try Self.dpop(["tokenize", "--model", Self.gpt2, "--text", "Hello world<|endoftext|>", "--json"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "{\"ids\":[15496,995,50256],\"tokens\":[\"Hello\",\"\u{120}world\",\"<|endoftext|>\"]}\n")
    }

    @Test func aFolderWithoutATokenizerIsAClearError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenize-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.dpop(["tokenize", "--model", folder.path, "--text", "x"])
        #expect(run.status != 0)
        #expect(run.err.contains("no tokenizer file (looked for tokenizer.json, vocab.json, encoder.json)"))
        #expect(run.out.isEmpty)
    }

    @Test func aByteLevelCheckpointUsesTheByteTokenizer() throws {
        let checkpoint = PortableBinaryTests.packageRoot.appendingPathComponent("Tests/DPOPTrainerTests/Fixtures/gpt2_tiny_checkpoint").path
        let run = try Self.dpop(["tokenize", "--model", checkpoint, "--text", "hé"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "104 195 169\n")
    }
}
