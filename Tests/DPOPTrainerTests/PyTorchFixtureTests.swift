import Foundation
import Testing
@testable import DPOPTrainer

/// The whole model against PyTorch + transformers (`scripts/make_gpt2_fixture.py`): a checkpoint
/// written by transformers loads, and logits, loss, sequence log-probs, every parameter gradient
/// and five AdamW steps match the reference values stored beside it.
@Suite struct PyTorchFixtureTests {
    struct Fixture {
        let json: [String: Any]
        let model: GPTModel
        let B: Int, T: Int
        let tokens: [Int32], targets: [Int32], mask: [Float]

        init() throws {
            let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
            let data = try Data(contentsOf: dir.appendingPathComponent("gpt2_tiny_fixture.json"))
            json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            B = json["B"] as! Int
            T = json["T"] as! Int
            model = try GPT2Checkpoint.loadModel(from: dir.appendingPathComponent("gpt2_tiny_checkpoint"), maxBatch: B, maxSequence: T)
            tokens = (json["tokens"] as! [Int]).map(Int32.init)
            targets = (json["targets"] as! [Int]).map(Int32.init)
            mask = (json["mask"] as! [Double]).map(Float.init)
        }

        func floats(_ key: String) -> [Float] { Self.flatten(json[key]!).map(Float.init) }

        /// Numbers of a possibly nested JSON array, in row-major order.
        static func flatten(_ value: Any) -> [Double] {
            // Arrays first: on Linux, asking a nested array `as? Double` traps in the bridging code.
            if let array = value as? [Any] { return array.flatMap { flatten($0) } }
            if let n = value as? NSNumber { return [n.doubleValue] }
            return []
        }

        func forward() { model.forward(tokens: tokens, targets: targets, mask: mask, B: B, T: T) }

        /// The model's gradients in checkpoint (GPT-2) layout, by name.
        func namedGradients() -> [String: [Float]] {
            var out: [String: [Float]] = [:]
            for entry in GPT2TensorMap.entries(for: model.layout) {
                out[entry.name] = GPT2TensorMap.export(entry, from: model.gradients)
            }
            return out
        }

        /// Every expected gradient tensor within tolerance of ours.
        func expectGradients(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let expected = (json[key] as! [String: Any]).mapValues(Self.flatten)
            let ours = namedGradients()
            #expect(Set(expected.keys) == Set(ours.keys), sourceLocation: sourceLocation)
            for (name, values) in expected {
                guard let mine = ours[name] else { continue }
                let scale = values.map { abs($0) }.max() ?? 1
                var worst = 0.0
                for (a, b) in zip(mine, values) { worst = max(worst, abs(Double(a) - b)) }
                #expect(worst <= 1e-4 * max(1, scale), "\(key) \(name): max |Δ| \(worst), scale \(scale)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func logitsLossAndSequenceLogProbsMatch() throws {
        let f = try Fixture()
        #expect(f.model.config == GPTConfig(vocabSize: 257, contextLength: 16, layers: 2, heads: 2, channels: 16))
        f.forward()
        let logits = f.floats("logits")
        var worst: Float = 0
        for i in 0..<logits.count { worst = max(worst, abs(f.model.logits[i] - logits[i])) }
        #expect(worst < 1e-4, "logits max |Δ| \(worst)")
        #expect(abs(f.model.meanCrossEntropy - Float(Fixture.flatten(f.json["mean_ce_loss"]!)[0])) < 1e-5)
        let seq = f.floats("seq_logps")
        for b in 0..<f.B { #expect(abs(f.model.sequenceLogProbs[b] - seq[b]) < 1e-4) }
    }

    @Test func meanCrossEntropyGradientsMatch() throws {
        let f = try Fixture()
        f.forward()
        f.model.zeroGradients()
        f.model.backwardMeanCrossEntropy()
        f.expectGradients("grads_mean_ce")
    }

    @Test func weightedSequenceLogProbGradientsMatch() throws {
        let f = try Fixture()
        f.forward()
        f.model.zeroGradients()
        f.model.backward(dSequenceLogProbs: f.floats("seq_weights"))
        f.expectGradients("grads_seq_weighted")
    }

    @Test func adamWStepsMatchTorch() throws {
        let f = try Fixture()
        let a = f.json["adamw"] as! [String: Any]
        let config = AdamWConfig(beta1: Float(a["beta1"] as! Double), beta2: Float(a["beta2"] as! Double),
                                 epsilon: Float(a["eps"] as! Double), weightDecay: Float(a["weight_decay"] as! Double),
                                 maxGradNorm: Float(a["max_grad_norm"] as! Double))
        let optimizer = AdamW(layout: f.model.layout, config: config)
        let losses = (a["losses"] as! [Double]), norms = (a["grad_norms"] as! [Double])
        for step in 0..<(a["steps"] as! Int) {
            f.forward()
            #expect(abs(Double(f.model.meanCrossEntropy) - losses[step]) < 1e-4, "step \(step) loss")
            f.model.zeroGradients()
            f.model.backwardMeanCrossEntropy()
            let norm = optimizer.update(parameters: f.model.parameters, gradients: f.model.gradients, lr: Float(a["lr"] as! Double))
            #expect(abs(Double(norm) - norms[step]) < 1e-3 * max(1, norms[step]), "step \(step) grad norm")
        }
        let sample = (a["final_param_sample"] as! [String: Any]).mapValues(Fixture.flatten)
        let entries = Dictionary(uniqueKeysWithValues: GPT2TensorMap.entries(for: f.model.layout).map { ($0.name, $0) })
        for (name, values) in sample {
            let ours = GPT2TensorMap.export(entries[name]!, from: f.model.parameters)
            for (i, v) in values.enumerated() { #expect(abs(Double(ours[i]) - v) < 1e-4, "\(name)[\(i)]") }
        }
    }
}
