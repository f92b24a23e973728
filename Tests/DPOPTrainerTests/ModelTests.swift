import Foundation
import Testing
@testable import DPOPTrainer

/// Whole-model checks: gradients against finite differences, determinism, checkpoints, training.
@Suite struct ModelTests {
    static let tiny = GPTConfig(vocabSize: 19, contextLength: 8, layers: 2, heads: 2, channels: 8)

    /// A model with large random weights, so every gradient is far from zero.
    static func randomModel(_ config: GPTConfig = tiny, batch: Int = 3, seed: UInt64 = 5) throws -> GPTModel {
        let model = try GPTModel(config: config, maxBatch: batch, maxSequence: config.contextLength)
        let values = GradientCheck.random(model.parameterCount, seed: seed, scale: 0.3)
        for i in 0..<values.count { model.parameters[i] = values[i] }
        for slot in [model.layout.ln1w, model.layout.ln2w, model.layout.lnfw] {
            for i in 0..<slot.count { model.parameters[slot.offset + i] += 1 }
        }
        return model
    }

    static func batch(B: Int, T: Int, V: Int, seed: UInt64) -> ([Int32], [Int32], [Float]) {
        var rng = SplitMix64(seed: seed)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
        let mask = (0..<(B * T)).map { i in (i % T) >= (i / T) ? Float(1) : 0 }
        return (tokens, targets, mask)
    }

    @Test func sequenceLogProbGradientsMatchFiniteDifferences() throws {
        let model = try Self.randomModel()
        let B = 3, T = 6
        let (tokens, targets, mask) = Self.batch(B: B, T: T, V: Self.tiny.vocabSize, seed: 9)
        let weights: [Float] = [0.7, -1.3, 0.25]
        func loss() -> Double {
            model.forward(tokens: tokens, targets: targets, mask: mask, B: B, T: T)
            return (0..<B).reduce(0.0) { $0 + Double(weights[$1]) * Double(model.sequenceLogProbs[$1]) }
        }
        _ = loss()
        model.zeroGradients()
        model.backward(dSequenceLogProbs: weights)
        let analytic = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        // A few entries of every tensor, so no layer escapes.
        var indices: [Int] = []
        for slot in model.layout.slots {
            for j in stride(from: 0, to: slot.count, by: max(1, slot.count / 6)) { indices.append(slot.offset + j) }
        }
        var params = Array(UnsafeBufferPointer(start: model.parameters, count: model.parameterCount))
        GradientCheck.expectMatches(&params, analytic: analytic, indices: indices, h: 5e-3, atol: 5e-3, rtol: 3e-2,
                                    label: "parameters") { p in
            for i in indices { model.parameters[i] = p[i] }
            return loss()
        }
    }

    @Test func backwardAccumulatesAcrossCalls() throws {
        let model = try Self.randomModel()
        let (tokens, targets, mask) = Self.batch(B: 2, T: 5, V: Self.tiny.vocabSize, seed: 3)
        model.forward(tokens: tokens, targets: targets, mask: mask, B: 2, T: 5)
        model.zeroGradients()
        model.backward(dSequenceLogProbs: [1, -2])
        let once = Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))
        model.backward(dSequenceLogProbs: [1, -2])
        for i in stride(from: 0, to: once.count, by: 17) {
            #expect(abs(model.gradients[i] - 2 * once[i]) <= 1e-5 + 1e-4 * abs(once[i]))
        }
    }

    @Test func maskedPositionsDoNotChangeTheLoss() throws {
        let model = try Self.randomModel()
        var (tokens, targets, mask) = Self.batch(B: 1, T: 6, V: Self.tiny.vocabSize, seed: 4)
        mask = [0, 0, 1, 1, 0, 1]
        model.forward(tokens: tokens, targets: targets, mask: mask, B: 1, T: 6)
        let before = model.sequenceLogProbs[0]
        targets[1] = (targets[1] + 1) % 19 // a masked target
        model.forward(tokens: tokens, targets: targets, mask: mask, B: 1, T: 6)
        #expect(model.sequenceLogProbs[0] == before)
        tokens[5] = (tokens[5] + 1) % 19   // the last input only affects its own position
        model.forward(tokens: tokens, targets: targets, mask: mask, B: 1, T: 6)
        #expect(model.sequenceLogProbs[0] != before)
    }

    @Test func shorterBatchesGiveTheSameLogProbsAsPaddedOnes() throws {
        // A row's log-prob must not depend on the batch it sits in or on causal padding after it.
        let model = try Self.randomModel()
        let (tokens, targets, mask) = Self.batch(B: 3, T: 8, V: Self.tiny.vocabSize, seed: 6)
        model.forward(tokens: tokens, targets: targets, mask: mask, B: 3, T: 8)
        let full = model.tokenLogProbs[8 + 3]
        model.forward(tokens: Array(tokens[8..<12]), targets: Array(targets[8..<12]), mask: Array(mask[8..<12]), B: 1, T: 4)
        #expect(abs(model.tokenLogProbs[3] - full) < 1e-5)
    }

    @Test func initialisationIsSeededAndGPT2Shaped() throws {
        let config = GPTConfig(vocabSize: 257, contextLength: 16, layers: 3, heads: 2, channels: 32)
        let a = try GPTModel(config: config, maxBatch: 1, maxSequence: 16)
        let b = try GPTModel(config: config, maxBatch: 1, maxSequence: 16)
        a.initializeGPT2(seed: 1)
        b.initializeGPT2(seed: 1)
        #expect(memcmp(a.parameters, b.parameters, a.parameterCount * 4) == 0)
        b.initializeGPT2(seed: 2)
        #expect(memcmp(a.parameters, b.parameters, a.parameterCount * 4) != 0)
        func std(_ slot: TensorSlot) -> Double {
            let p = UnsafeBufferPointer(start: a.parameters + slot.offset, count: slot.count)
            return (p.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(slot.count)).squareRoot()
        }
        #expect(abs(std(a.layout.qkvw) - 0.02) < 0.002)
        #expect(abs(std(a.layout.fcprojw) - 0.02 / (6.0).squareRoot()) < 0.001)
        #expect(a.parameters[a.layout.ln1w.offset] == 1 && a.parameters[a.layout.qkvb.offset] == 0)
    }

    @Test func checkpointRoundTripGivesIdenticalLogits() throws {
        let model = try Self.randomModel(GPTConfig(vocabSize: 257, contextLength: 8, layers: 2, heads: 2, channels: 8))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try GPT2Checkpoint.save(model, to: dir)
        let loaded = try GPT2Checkpoint.loadModel(from: dir, maxBatch: 3)
        #expect(loaded.config == model.config)
        let (tokens, targets, mask) = Self.batch(B: 2, T: 8, V: 257, seed: 1)
        model.forward(tokens: tokens, targets: targets, mask: mask, B: 2, T: 8)
        loaded.forward(tokens: tokens, targets: targets, mask: mask, B: 2, T: 8)
        #expect(memcmp(model.logits, loaded.logits, 2 * 8 * 257 * 4) == 0)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(json["model_type"] as? String == "gpt2" && json["activation_function"] as? String == "gelu_new")
    }

    @Test func checkpointErrorsNameTheProblem() throws {
        let model = try Self.randomModel(GPTConfig(vocabSize: 257, contextLength: 8, layers: 2, heads: 2, channels: 8))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try GPT2Checkpoint.save(model, to: dir)
        // Claim three layers in config.json: layer 2 is missing.
        let configURL = dir.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        json["n_layer"] = 3
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        #expect {
            _ = try GPT2Checkpoint.loadModel(from: dir, maxBatch: 1)
        } throws: { error in
            "\(error)".contains("missing tensor 'transformer.h.2.ln_1.weight'")
        }
        // Truncated weights file.
        json["n_layer"] = 2
        try JSONSerialization.data(withJSONObject: json).write(to: configURL)
        let weightsURL = dir.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weightsURL)
        try data.prefix(data.count - 100).write(to: weightsURL)
        #expect { _ = try GPT2Checkpoint.loadModel(from: dir, maxBatch: 1) } throws: { "\($0)".contains("outside the") }
    }

    @Test func checkpointAcceptsUnprefixedNamesBuffersAndTiedHead() throws {
        let model = try Self.randomModel(GPTConfig(vocabSize: 257, contextLength: 8, layers: 1, heads: 2, channels: 8))
        var tensors = GPT2TensorMap.entries(for: model.layout).map {
            NamedTensor(name: String($0.name.dropFirst("transformer.".count)), shape: $0.checkpointShape,
                        values: GPT2TensorMap.export($0, from: model.parameters))
        }
        tensors.append(NamedTensor(name: "h.0.attn.bias", shape: [1, 1, 8, 8], values: [Float](repeating: 1, count: 64)))
        tensors.append(NamedTensor(name: "lm_head.weight", shape: [257, 8], values: tensors[0].values))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-hf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try GPT2Checkpoint.save(model, to: dir)
        try SafeTensors.encode(tensors).write(to: dir.appendingPathComponent("model.safetensors"))
        let loaded = try GPT2Checkpoint.loadModel(from: dir, maxBatch: 1)
        #expect(memcmp(loaded.parameters, model.parameters, model.parameterCount * 4) == 0)
    }

    @Test func nonFiniteLossStopsTrainingWithTheStep() throws {
        let config = GPTConfig(vocabSize: 257, contextLength: 16, layers: 1, heads: 2, channels: 8)
        let model = try GPTModel(config: config, maxBatch: 2, maxSequence: 16)
        model.initializeGPT2(seed: 0)
        model.parameters[model.layout.lnfw.offset] = .nan
        let trainer = SFTTrainer(model: model, config: SFTConfig(steps: 3, batch: 2))
        let seq = SFTCorpus.windows(ByteTokenizer.encode("abcdefgh"), context: 16)
        do {
            try trainer.train(seq)
            Issue.record("a NaN loss must stop training")
        } catch let error as DPOPError {
            guard case .nonFinite(let stage, let step, let what, _) = error else { Issue.record("\(error)"); return }
            #expect(stage == "sft" && step == 0 && what == "loss")
        }
    }

    @Test func sftLossFallsOnRepetitiveText() throws {
        let config = GPTConfig(vocabSize: 257, contextLength: 32, layers: 2, heads: 2, channels: 32)
        let model = try GPTModel(config: config, maxBatch: 8, maxSequence: 32)
        model.initializeGPT2(seed: 0)
        let text = String(repeating: "the cat sat on the mat. ", count: 40)
        let sequences = SFTCorpus.windows(ByteTokenizer.encode(text) + [ByteTokenizer.endOfText], context: 32)
        let trainer = SFTTrainer(model: model, config: SFTConfig(steps: 60, batch: 8, lr: 3e-3, warmupSteps: 5, seed: 1))
        let losses = try trainer.train(sequences)
        #expect(losses[0] > 5.0)           // ≈ ln 257 at initialisation
        #expect(losses.suffix(5).reduce(0, +) / 5 < 2.5)
    }

    @Test func sftCorpusWindowsCoverEveryTargetOnce() {
        let tokens = (0..<20).map { Int32($0) }
        let w = SFTCorpus.windows(tokens, context: 8)
        #expect(w.reduce(0) { $0 + $1.targetCount } == 19)
        #expect(w.allSatisfy { $0.tokens.count <= 8 })
    }
}
