import Foundation
import Testing
@testable import DPOPTrainer

/// A transformers-written GPT-2 with the real 50,257-token tokenizer (F16, and BF16 in shards) gives
/// transformers' per-token log-probs; what dpop cannot run is refused naming the field or file.
@Suite struct PretrainedCheckpointTests {
    static let folders = ["gpt2_f16", "gpt2_bf16_sharded"]

    @Test(arguments: folders) func perTokenLogProbsMatchTransformers(_ name: String) throws {
        let folder = try PretrainedFixture.folder(name)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try PretrainedModel.open(folder)
        #expect(model.config == GPTConfig(vocabSize: 50257, contextLength: 64, layers: 2, heads: 2, channels: 8))
        #expect(model.tokenizer.vocabularySize == 50257 && model.tokenizer.endOfText == 50256)
        let gpt = try model.load(maxBatch: 4)
        let pairs = try PretrainedFixture.pairs()
        let prepared = pairs.map { PreparedPair($0.pair, buckets: nil, tokenizer: model.tokenizer) }
        for (p, q) in zip(pairs, prepared) {
            // Prompt and completions tokenized separately; end-of-text closes each completion.
            #expect(q.chosen.tokens == p.promptIDs + p.chosenIDs)
            #expect(q.rejected.tokens == p.promptIDs + p.rejectedIDs)
            #expect(q.editDistance == EditDistance.levenshtein(p.chosenIDs, p.rejectedIDs))
        }
        for (sequences, expected) in [(prepared.map(\.chosen), pairs.map { $0.chosenLogProbs[name]! }),
                                      (prepared.map(\.rejected), pairs.map { $0.rejectedLogProbs[name]! })] {
            let scored = SequenceScorer.score(gpt, sequences, keepTokens: true)
            for (i, want) in expected.enumerated() {
                #expect(scored.tokens[i].count == want.count)
                let worst = zip(scored.tokens[i], want).map { abs(Double($0) - $1) }.max()!
                #expect(worst < 1e-4, "pair \(i): max |Δ log p| = \(worst)")
                #expect(abs(scored.sums[i] - want.reduce(0, +)) < 1e-3)
            }
        }
    }

    @Test func theTwoDTypesDifferOnlyByRounding() throws {
        // F16 and BF16 round the same float32 weights differently: a loader that ignored the dtype would not see it.
        let pairs = try PretrainedFixture.pairs()
        let a = pairs[0].chosenLogProbs["gpt2_f16"]!, b = pairs[0].chosenLogProbs["gpt2_bf16_sharded"]!
        #expect(a != b && zip(a, b).allSatisfy { abs($0 - $1) < 0.5 })
    }

    @Test func aCheckpointWrittenFromAPretrainedStartKeepsItsConfigAndTokenizer() throws {
        let folder = try PretrainedFixture.folder("gpt2_bf16_sharded")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-saved-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder); try? FileManager.default.removeItem(at: out) }
        try PretrainedFixture.editConfig(folder, ["some_future_key": ["kept": true]])
        let start = try PretrainedModel.open(folder)
        let gpt = try start.load(maxBatch: 1)
        try GPT2Checkpoint.save(gpt, to: out, extraConfig: ["dpop": ["stage": "policy"]], basedOn: folder)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as! [String: Any]
        #expect((json["some_future_key"] as? [String: Bool]) == ["kept": true])
        #expect(json["summary_type"] as? String == "cls_index" && json["eos_token_id"] as? Int == 50256)
        #expect(json["torch_dtype"] as? String == "float32" && json["dtype"] == nil && json["vocab_size"] as? Int == 50257)
        #expect((json["dpop"] as? [String: String]) == ["stage": "policy"])
        for file in ["tokenizer.json", "tokenizer_config.json", "generation_config.json"] {
            #expect(FileManager.default.contents(atPath: out.appendingPathComponent(file).path)
                    == FileManager.default.contents(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        let again = try PretrainedModel.open(out)
        #expect(again.config == start.config && again.tokenizer.encode("Hello world") == [15496, 995])
        let reloaded = try again.load(maxBatch: 1)
        #expect(Array(UnsafeBufferPointer(start: reloaded.parameters, count: reloaded.parameterCount))
                == Array(UnsafeBufferPointer(start: gpt.parameters, count: gpt.parameterCount)))
    }

    // MARK: - Bad input

    static func openError(_ folder: URL) -> String {
        do { _ = try PretrainedModel.open(folder).load(maxBatch: 1); return "" } catch { return "\(error)" }
    }

    /// (config.json change as JSON, what the error says).
    @Test(arguments: [
        (#"{"tie_word_embeddings": false}"#, "tie_word_embeddings: false"),
        (#"{"activation_function": "relu"}"#, "activation_function: 'relu' is not supported"),
        (#"{"layer_norm_epsilon": 1e-6}"#, "layer_norm_epsilon: 1e-06 is not supported"),
        (#"{"n_inner": 16}"#, "n_inner: 16 is not supported"),
        (#"{"scale_attn_weights": false}"#, "scale_attn_weights"),
        (#"{"model_type": "llama"}"#, "model_type: is 'llama'"),
        (#"{"n_head": 3}"#, "model.embedding (8) must be divisible by model.heads (3)"),
        (#"{"n_layer": "two"}"#, "n_layer: must be a whole number"),
        (#"{"vocab_size": 1000}"#, "vocab_size: the model has 1000 token ids, its tokenizer (tokenizer.json) 50257"),
    ])
    func aConfigFieldDpopCannotRunIsNamed(_ change: String, _ expected: String) throws {
        let folder = try PretrainedFixture.folder("gpt2_f16")
        defer { try? FileManager.default.removeItem(at: folder) }
        try PretrainedFixture.editConfig(folder, try JSONSerialization.jsonObject(with: Data(change.utf8)) as! [String: Any])
        let message = Self.openError(folder)
        #expect(message.contains(expected), "\(message)")
        #expect(message.contains("config.json"), "\(message)")
    }

    @Test func aMissingOrUnsupportedTokenizerIsAnErrorNamingTheFile() throws {
        let bare = try PretrainedFixture.folder("gpt2_f16", tokenizer: false)
        defer { try? FileManager.default.removeItem(at: bare) }
        #expect(Self.openError(bare).contains("no tokenizer file (looked for tokenizer.json, vocab.json, encoder.json)"), "\(Self.openError(bare))")
        try FileManager.default.copyItem(at: PretrainedFixture.fixtures.appendingPathComponent("bpe/unigram/tokenizer.json"),
                                         to: bare.appendingPathComponent("tokenizer.json"))
        let message = Self.openError(bare)
        #expect(message.contains("tokenizer.json") && message.contains("Unigram"), "\(message)")
    }

    @Test func pytorchModelBinOnlyAsksForSafetensors() throws {
        let folder = try PretrainedFixture.folder("gpt2_f16")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
        try Data([0x80, 0x02]).write(to: folder.appendingPathComponent("pytorch_model.bin"))
        let message = Self.openError(folder)
        #expect(message.contains("pytorch_model.bin") && message.contains("save_pretrained(folder, safe_serialization=True)"), "\(message)")
    }

    @Test func aShardTheIndexNamesMustExist() throws {
        let folder = try PretrainedFixture.folder("gpt2_bf16_sharded")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model-00002-of-00002.safetensors"))
        let message = Self.openError(folder)
        #expect(message.contains("model.safetensors.index.json") && message.contains("model-00002-of-00002.safetensors"), "\(message)")
    }

    @Test func aPairLongerThanTheContextIsNamedByLineAndLength() throws {
        let folder = try PretrainedFixture.folder("gpt2_f16")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenizer = try PretrainedModel.open(folder).tokenizer
        let long = String(repeating: " word", count: 70)   // 70 GPT-2 tokens (one per " word"), 350 bytes
        let text = #"{"prompt":"a","chosen":"b","rejected":"c"}"# + "\n" + #"{"prompt":"Q:","chosen":"\#(long)","rejected":" no"}"#
        #expect(throws: DPOPError.data(file: "p.jsonl", line: 2, message: "chosen is 73 tokens with the prompt, 9 over the model's context of 64")) {
            try PairsLoader.parse(text, file: "p.jsonl", maxContext: 64, tokenizer: tokenizer)
        }
        // The same line fits a byte-level count only if it were bytes: 350 bytes would be far over.
        #expect(tokenizer.encode(long).count == 70)
    }
}
