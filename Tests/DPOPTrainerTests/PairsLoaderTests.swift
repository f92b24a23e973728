import Foundation
import Testing
@testable import DPOPTrainer

/// JSONL loading, error reporting, tokenisation contract and the hash split.
@Suite struct PairsLoaderTests {
    func message(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func loadsPlainFormatWithMetadata() throws {
        let text = """
        {"prompt": "Q: 2+2?\\nA:", "chosen": " 4", "rejected": " 5", "id": 17, "mode": "step", "tags": ["a", 1.50], "extra": null}

           \t
        {"rejected":"b","chosen":"a","prompt":"q","id":"x-1","nested":{"k":true}}\r
        """
        let pairs = try PairsLoader.parse(text, file: "p.jsonl")
        #expect(pairs.count == 2)
        #expect(pairs[0].prompt == "Q: 2+2?\nA:")
        #expect(pairs[0].id == "17")
        #expect(pairs[0].metadata == ["id": "17", "mode": "step", "tags": "[\"a\",1.50]", "extra": "null"])
        #expect(pairs[1].id == "x-1")
        #expect(pairs[1].metadata["nested"] == "{\"k\":true}")
        #expect(pairs[1].prompt == "q")  // an empty prompt is an error now: EmptyPromptRuleTests
    }

    @Test func tokenisationContract() {
        let p = PreferencePair(prompt: "Q:", chosen: " é", rejected: " e")
        #expect(p.promptTokens == [81, 58])
        #expect(p.chosenTokens == [32, 0xC3, 0xA9, 256])
        #expect(p.rejectedTokens == [32, 101, 256])
        #expect(p.editDistance == 2)
        #expect(p.normalisedEditDistance == 0.5)
        #expect(p.alignment.commonPrefix == 1 && p.alignment.commonSuffix == 1)
    }

    @Test func everyBadLineIsReportedWithItsNumber() {
        let lines = [
            #"{"prompt": "p", "chosen": "a", "rejected": "b"}"#,  // 1 ok
            #"not json"#,  // 2
            #"[1, 2]"#,  // 3
            #"{"prompt": "p", "chosen": "a"}"#,  // 4
            #"{"prompt": "p", "chosen": 3, "rejected": "b"}"#,  // 5
            #"{"prompt": "p", "chosen": "", "rejected": "b"}"#,  // 6
            #"{"prompt": "p", "chosen": "a", "rejected": "a"}"#,  // 7
            #"{"prompt": "p", "chosen": "a", "rejected": "b", "chosen": "c"}"#,  // 8
            #"{"prompt": "p", "chosen": "a", "rejected": "b"} x"#,  // 9
            #"{"prompt": "p", "chosen": "a\u0007", "rejected": "b"#,  // 10
        ]
        guard let m = message({ try PairsLoader.parse(lines.joined(separator: "\n"), file: "d.jsonl") }) else {
            Issue.record("should fail")
            return
        }
        let expected = [
            "d.jsonl:2: not JSON: unexpected 'n' where a value should start at column 1",
            "d.jsonl:3: expected a JSON object with \"prompt\", \"chosen\" and \"rejected\", got an array",
            "d.jsonl:4: missing \"rejected\"",
            "d.jsonl:5: \"chosen\" must be a string, got a number",
            "d.jsonl:6: \"chosen\" is empty",
            "d.jsonl:7: \"chosen\" and \"rejected\" are identical",
            "d.jsonl:8: key \"chosen\" appears twice",
            "d.jsonl:9: not JSON: unexpected 'x' after the value at column 49",
            "d.jsonl:10: not JSON: string not closed at column 50",
            "d.jsonl: 9 bad lines",
        ]
        #expect(m == expected.joined(separator: "\n"))
    }

    @Test func singleBadLineIsAPlainDataError() {
        do {
            _ = try PairsLoader.parse("{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\n\n{\"prompt\":1}", file: "x")
            Issue.record("should fail")
        } catch let e as DPOPError {
            #expect(e == .data(file: "x", line: 3, message: "\"prompt\" must be a string, got a number; missing \"chosen\", \"rejected\""))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func reportsAtMostTwentyErrors() {
        let text = Array(repeating: "{}", count: 30).joined(separator: "\n")
        let m = message { try PairsLoader.parse(text, file: "f") } ?? ""
        #expect(m.split(separator: "\n").count == 21)
        #expect(m.hasSuffix("f: 30 bad lines, the first 20 shown"))
        #expect(m.contains("f:20: missing") && !m.contains("f:21:"))
    }

    @Test func contextLimit() throws {
        let prompt = String(repeating: "p", count: 100)
        let line = #"{"prompt": "\#(prompt)", "chosen": "\#(String(repeating: "c", count: 42))", "rejected": "\#(String(repeating: "r", count: 27))"}"#
        #expect(message { try PairsLoader.parse(line, file: "f", maxContext: 128) }
            == "f:1: chosen is 143 tokens with the prompt, 15 over the model's context of 128")
        #expect(message { try PairsLoader.parse(line, file: "f", maxContext: 120) }
            == "f:1: chosen is 143 tokens with the prompt, 23 over the model's context of 120; rejected is 128 tokens with the prompt, 8 over the model's context of 120")
        #expect(try PairsLoader.parse(line, file: "f", maxContext: 143).count == 1)
        #expect(try PairsLoader.parse(line, file: "f").count == 1)
    }

    @Test func fileLevelErrors() {
        #expect(message { try PairsLoader.parse("\n  \n", file: "e") } == "e: contains no pairs (it is empty or has only blank lines)")
        let m = message { try PairsLoader.load(path: "/nonexistent/dir/pairs.jsonl") } ?? ""
        #expect(m.hasPrefix("/nonexistent/dir/pairs.jsonl: cannot read the pairs file"))
        let bad: [UInt8] = Array(#"{"prompt": "p", "chosen": "a"#.utf8) + [0xFF] + Array(#"", "rejected": "b"}"#.utf8)
        #expect(message { try PairsLoader.parse(bad, file: "u") } == "u:1: not valid UTF-8")
        #expect(message { try PairsLoader.parse("{\"prompt\": \"a\u{07}\"}", file: "c") }
            == "c:1: not JSON: unescaped control character 0x7 in string at column 14")
    }

    @Test func jsonLineRoundTrips() throws {
        let pairs = [
            PreferencePair(prompt: "Q: \"quote\" \\ back\n\t/ é 😀 \u{01}", chosen: " a", rejected: " b",
                           metadata: ["id": "7", "mode": "step"]),
            PreferencePair(prompt: "p", chosen: "x", rejected: "y"),
        ]
        let text = pairs.map(\.jsonLine).joined(separator: "\n") + "\n"
        #expect(try PairsLoader.parse(text, file: "r") == pairs)
        #expect(pairs[0].jsonLine.hasPrefix(#"{"prompt":"Q: \"quote\" \\ back\n\t/ é 😀 \u0001","chosen":" a","rejected":" b","id":"7","mode":"step"}"#))
        // Our reader agrees with Foundation's on escapes and surrogate pairs.
        let json = #"{"prompt":"\ud83d\ude00\u00e9\/","chosen":"a","rejected":"b"}"#
        let ours = try PairsLoader.parse(json, file: "s")[0].prompt
        let theirs = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect(ours == theirs["prompt"] as? String)
        #expect(message { try PairsLoader.parse(#"{"prompt":"\ud83d","chosen":"a","rejected":"b"}"#, file: "s") }?
            .contains("unpaired surrogate") == true)
    }

    @Test func splitIsStableUnderReorderingAndSeeded() {
        let pairs = (0..<2000).map { PreferencePair(prompt: "Q\($0)", chosen: "c\($0)", rejected: "r\($0)") }
        let (train, eval) = pairs.split(evalFraction: 0.1, seed: 3)
        #expect(train.count + eval.count == 2000)
        #expect(eval.count > 140 && eval.count < 260)
        var rng = SplitMix64(seed: 9)
        let shuffled = pairs.shuffled(using: &rng)
        let (train2, eval2) = shuffled.split(evalFraction: 0.1, seed: 3)
        #expect(Set(eval2) == Set(eval) && Set(train2) == Set(train))
        let (_, evalOther) = pairs.split(evalFraction: 0.1, seed: 4)
        #expect(Set(evalOther) != Set(eval))
        #expect(pairs.split(evalFraction: 0, seed: 1).eval.isEmpty)
        #expect(pairs.split(evalFraction: 1, seed: 1).train.isEmpty)
        // Metadata does not move a pair.
        var tagged = pairs[0]
        tagged.metadata["id"] = "zzz"
        #expect(tagged.contentHash(seed: 5) == pairs[0].contentHash(seed: 5))
        // Golden value: the hash must not change across platforms or releases.
        #expect(PreferencePair(prompt: "a", chosen: "b", rejected: "c").contentHash(seed: 0) == Self.goldenHash)
    }

    static let goldenHash: UInt64 = 16_706_737_477_437_031_541
}

/// One empty-prompt rule for pairs files and SFT corpora (an empty prompt used to load as a pair whose
/// first completion token went unscored), and one strict JSON parser for both.
@Suite struct EmptyPromptRuleTests {
    @Test func aPairsFileWithAnEmptyPromptNamesTheLine() {
        let text = #"{"prompt": "p", "chosen": "a", "rejected": "b"}"# + "\n" + #"{"prompt": "", "chosen": "a", "rejected": "b"}"#
        do {
            _ = try PairsLoader.parse(text, file: "e.jsonl")
            Issue.record("an empty prompt must be refused")
        } catch {
            #expect("\(error)" == "e.jsonl:2: \(PreferencePair.emptyPromptProblem)")
        }
    }

    @Test func anSFTCorpusGivesTheSameMessageAndRefusesRepeatedKeys() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-sft-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try (#"{"prompt": "", "chosen": "a"}"# + "\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: DPOPError.data(file: file.path, line: 1, message: PreferencePair.emptyPromptProblem)) {
            try SFTCorpus.load(path: file.path, contextLength: 64)
        }
        try (#"{"text": "a", "text": "b"}"# + "\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: DPOPError.data(file: file.path, line: 1, message: "key \"text\" appears twice")) {
            try SFTCorpus.load(path: file.path, contextLength: 64)
        }
    }
}
