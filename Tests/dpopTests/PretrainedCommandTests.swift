import Foundation
import Testing
@testable import dpop

/// `dpop score`, `logprobs`, `train --model` and `sft --model` on a tiny transformers-written GPT-2 with the
/// real 50,257-token tokenizer (the pretrained fixture of DPOPTrainerTests), with the built binary.
@Suite struct PretrainedCommandTests {
    static let fixtures = PortableBinaryTests.packageRoot.appendingPathComponent("Tests/DPOPTrainerTests/Fixtures")

    /// A temp folder with `gpt2/` (weights, config and GPT-2's tokenizer.json) and `pairs.jsonl` (12 pairs).
    static func workspace() throws -> URL {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("dpop-cli-pretrained-\(UUID().uuidString)")
        let model = dir.appendingPathComponent("gpt2")
        try fm.createDirectory(at: model, withIntermediateDirectories: true)
        let source = fixtures.appendingPathComponent("pretrained/gpt2_f16")
        for file in try fm.contentsOfDirectory(atPath: source.path) {
            try fm.copyItem(at: source.appendingPathComponent(file), to: model.appendingPathComponent(file))
        }
        try fm.copyItem(at: fixtures.appendingPathComponent("bpe/gpt2/tokenizer.json"), to: model.appendingPathComponent("tokenizer.json"))
        let lines = (0..<12).map { i in
            #"{"prompt": "Q: \#(i) + \#(i)?", "chosen": " \#(2 * i) is the answer.", "rejected": " \#(i % 2 == 0 ? "\(2 * i + 1) is the answer." : "I do not know.")"}"#
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("pairs.jsonl"))
        return dir
    }

    static func dpop(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try TokenizeCommandTests.dpop(arguments)
    }

    static func scores(_ out: String) throws -> [[String: Any]] {
        try out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test func scoreMatchesTransformersOnTheFixturePairs() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The fixture's pairs, as a JSONL file, scored by the binary: transformers' summed log-probs.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("pretrained/logprobs.json"))) as! [String: Any]
        let pairs = json["pairs"] as! [[String: Any]]
        let lines = try pairs.map { p in
            String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": p["prompt"]!, "chosen": p["chosen"]!, "rejected": p["rejected"]!]), as: UTF8.self)
        }
        let file = dir.appendingPathComponent("fixture.jsonl")
        try Data(("\n" + lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let run = try Self.dpop(["score", "--model", dir.appendingPathComponent("gpt2").path, "--data", file.path, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let scored = try Self.scores(run.out)
        #expect(scored.count == pairs.count)
        for (s, p) in zip(scored, pairs) {
            let chosen = (p["chosen_logprobs"] as! [String: [Double]])["gpt2_f16"]!.reduce(0, +)
            let rejected = (p["rejected_logprobs"] as! [String: [Double]])["gpt2_f16"]!.reduce(0, +)
            #expect(abs((s["logp_chosen"] as! Double) - chosen) < 1e-3 && abs((s["logp_rejected"] as! Double) - rejected) < 1e-3)
            #expect(s["edit_distance"] as? Int == EditDistanceOfIDs.levenshtein(p["chosen_ids"] as! [Int], p["rejected_ids"] as! [Int]))
        }
        #expect(scored.map { $0["line"] as! Int } == Array(2...(pairs.count + 1)))   // line numbers count the blank first line
    }

    @Test func trainFromTheModelWritesCheckpointsThatScoreWithItsTokenizer() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("gpt2").path, data = dir.appendingPathComponent("pairs.jsonl").path
        let out = dir.appendingPathComponent("run").path
        let train = try Self.dpop(["train", "--model", model, "--data", data, "--sft-steps", "1", "--sft-batch", "4", "--steps", "1",
                                   "--batch", "2", "--eval-every", "1", "--task-eval-pairs", "0", "--out", out, "--threads", "1"])
        #expect(train.status == 0, "\(train.err)")
        for file in ["metrics.jsonl", "summary.json", "policy/model.safetensors", "policy/tokenizer.json", "reference/config.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file)")
        }
        let score = try Self.dpop(["score", "--model", "\(out)/policy", "--reference", "\(out)/reference", "--data", data, "--json"])
        #expect(score.status == 0, "\(score.err)")
        let scored = try Self.scores(score.out)
        #expect(scored.count == 12 && scored.allSatisfy { ($0["loss"] as? Double)?.isFinite == true })
        // --reference of a BPE model: its shape and tokenizer are the run's.
        let reuse = try Self.dpop(["train", "--reference", "\(out)/reference", "--data", data, "--steps", "1", "--batch", "2", "--task-eval-pairs", "0", "--no-checkpoints", "--threads", "1"])
        #expect(reuse.status == 0, "\(reuse.err)")
        // --sft-steps 0: the pretrained model is the reference, so step 0's policy equals it exactly.
        let zero = try Self.dpop(["train", "--model", model, "--data", data, "--sft-steps", "0", "--steps", "1", "--batch", "2",
                                  "--task-eval-pairs", "0", "--out", "\(out)0", "--no-checkpoints", "--threads", "1"])
        #expect(zero.status == 0 && zero.out.contains("reference: the pretrained model"), "\(zero.err)")
        let first = try JSONSerialization.jsonObject(with: Data(try String(contentsOfFile: "\(out)0/metrics.jsonl", encoding: .utf8).split(separator: "\n")[0].utf8)) as! [String: Any]
        #expect(((first["eval"] as! [String: Any])["logps/chosen_delta"] as! Double) == 0)
        let sft = try Self.dpop(["sft", "--model", model, "--data", data, "--steps", "1", "--batch", "4", "--out", "\(out)-sft", "--threads", "1"])
        #expect(sft.status == 0 && FileManager.default.fileExists(atPath: "\(out)-sft/tokenizer.json"), "\(sft.err)")
        let logprobs = try Self.dpop(["logprobs", "--model", "\(out)-sft", "--text", "Hello world", "--json"])
        #expect(logprobs.status == 0 && logprobs.out.contains("\"tokens\":[15496,995,50256]"), "\(logprobs.out) \(logprobs.err)")
    }

    @Test func badModelsAndFlagsAreClearErrors() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("gpt2").path, data = dir.appendingPathComponent("pairs.jsonl").path
        let shape = CommandLineHarness.parse(["train", "--model", model, "--layers", "2", "--data", data])
        #expect(shape.exitCode == 64 && shape.message.contains("--layers cannot be combined with --model"), "\(shape.message)")
        let zero = CommandLineHarness.parse(["train", "--task", "arith", "--sft-steps", "0"])
        #expect(zero.exitCode == 64 && zero.message.contains("--sft-steps 0 needs --model DIR"), "\(zero.message)")
        // A byte-level reference with a BPE policy: the two do not share a tokenizer.
        let bytes = PortableBinaryTests.packageRoot.appendingPathComponent("Tests/DPOPTrainerTests/Fixtures/gpt2_tiny_checkpoint").path
        let mixed = try Self.dpop(["score", "--model", model, "--reference", bytes, "--data", data])
        #expect(mixed.status != 0 && mixed.err.contains("must share a tokenizer"), "\(mixed.err)")
        try FileManager.default.removeItem(atPath: "\(model)/tokenizer.json")
        let missing = try Self.dpop(["score", "--model", model, "--data", data])
        #expect(missing.status != 0 && missing.err.contains("no tokenizer file"), "\(missing.err)")
    }
}

/// Levenshtein distance of two id lists (independent of the trainer's, for the check above).
enum EditDistanceOfIDs {
    static func levenshtein(_ a: [Int], _ b: [Int]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() { current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))) }
            previous = current
        }
        return previous[b.count]
    }
}
