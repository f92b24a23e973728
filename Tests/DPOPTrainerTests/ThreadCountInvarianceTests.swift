import Testing
@testable import DPOPTrainer

/// A cell's numbers must not depend on `--threads` (or on `--jobs`, which divides the threads): the
/// same seed and config give the same floats, bit for bit, whatever the worker count.
@Suite(.serialized) struct ThreadCountInvarianceTests {
    static let config = GPTConfig(contextLength: 64, layers: 1, heads: 2, channels: 16)

    /// Runs `body` with `workers` row-parallel workers (for this test's task only).
    static func withWorkers<Result>(_ workers: Int, _ body: () throws -> Result) rethrows -> Result {
        try Parallel.withWorkers(workers, body)
    }

    /// Parameters after a training step (forward, backward on per-sequence log-probs, clip, AdamW)
    /// with `workers` row-parallel workers. 16 × 64 = 1024 rows cut the products into several row
    /// blocks, take the weight gradients' blocked path and make LayerNorm sum several blocks; 4 × 24 = 96
    /// rows (a preference batch) take the weight gradients' path over the outputs.
    static func parametersAfterAStep(workers: Int, B: Int, T: Int) throws -> [Float] {
        try withWorkers(workers) { try parametersAfterAStep(B: B, T: T) }
    }

    private static func parametersAfterAStep(B: Int, T: Int) throws -> [Float] {
        let model = try GPTModel(config: config, maxBatch: B, maxSequence: T)
        model.initializeGPT2(seed: 7)
        let optimizer = AdamW(layout: model.layout)
        var rng = SplitMix64(seed: 3)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.next() % 257) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % 257) }
        let mask = (0..<(B * T)).map { $0 % T >= T / 2 ? Float(1) : 0 }
        let dseq = (0..<B).map { _ in Float(rng.nextUnitDouble() - 0.5) }
        model.zeroGradients()
        model.forward(tokens: tokens, targets: targets, mask: mask, B: B, T: T)
        model.backward(dSequenceLogProbs: dseq)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-3)
        return Array(UnsafeBufferPointer(start: model.parameters, count: model.parameterCount))
    }

    /// Which tensors differ, for the failure message.
    static func differingTensors(_ a: [Float], _ b: [Float]) -> String {
        let l = ParameterLayout(config: config)
        return [l.wte, l.wpe, l.ln1w, l.ln1b, l.qkvw, l.qkvb, l.attprojw, l.attprojb, l.ln2w, l.ln2b,
                l.fcw, l.fcb, l.fcprojw, l.fcprojb, l.lnfw, l.lnfb].compactMap { slot in
            let n = (slot.offset..<(slot.offset + slot.count)).filter { a[$0].bitPattern != b[$0].bitPattern }.count
            return n > 0 ? "\(slot.name) \(n)/\(slot.count)" : nil
        }.joined(separator: ", ")
    }

    @Test(arguments: [2, 3], [(16, 64), (4, 24)])
    func aTrainingStepGivesTheSameFloatsAsWithOneWorker(workers: Int, shape: (B: Int, T: Int)) throws {
        let one = try Self.parametersAfterAStep(workers: 1, B: shape.B, T: shape.T)
        let other = try Self.parametersAfterAStep(workers: workers, B: shape.B, T: shape.T)
        #expect(one.contains { $0 != 0 })
        let differing = zip(one, other).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "1 vs \(workers) workers: \(Self.differingTensors(one, other))")
    }

    /// The product alone: OpenBLAS's rows depend on how many rows share a call, so the cut must not.
    /// 1024 rows take the weight gradient's row-block path; 96 rows its path over the outputs, whose
    /// cut depended on the worker count until CI caught a preference run differing in the 7th digit.
    @Test(arguments: [(1024, 16, 48), (96, 16, 48), (96, 64, 257)])
    func productsAreTheSameFloatsWithOneTwoOrThreeWorkers(N: Int, C: Int, OC: Int) {
        let inp = GradientCheck.random(N * C, seed: 1), w = GradientCheck.random(OC * C, seed: 2)
        let bias = GradientCheck.random(OC, seed: 3), dout = GradientCheck.random(N * OC, seed: 4)
        let ones = [Float](repeating: 1, count: N)
        func run(_ workers: Int) -> [[Float]] { Self.withWorkers(workers) { run() } }
        func run() -> [[Float]] {
            var out = [Float](repeating: 0, count: N * OC), dinp = [Float](repeating: 0, count: N * C)
            var dw = [Float](repeating: 0, count: OC * C), db = [Float](repeating: 0, count: OC)
            var partials = [Float](repeating: 0, count: (Parallel.maxWorkers - 1) * (OC * C + OC))
            Matmul.forward(out: &out, inp: inp, weight: w, bias: bias, N: N, C: C, OC: OC)
            Matmul.backward(dinp: &dinp, dweight: &dw, dbias: &db, dout: dout, inp: inp, weight: w, ones: ones,
                            partials: &partials, N: N, C: C, OC: OC)
            return [out, dinp, dw, db]
        }
        let one = run(1)
        for workers in [2, 3] {
            for (name, (x, y)) in zip(["out", "dinp", "dweight", "dbias"], zip(one, run(workers))) {
                let differing = zip(x, y).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(name): \(differing)/\(x.count) differ with \(workers) workers")
            }
        }
    }

    /// A whole small run, SFT then DPO with 8-sequence batches, evaluated along the way: the same
    /// records with one worker as with two.
    @Test func aPreferenceRunGivesTheSameRecordsWithOneOrTwoWorkers() throws {
        let pairs = try PreferenceTrainingTests.pairs(32, mix: "step:0.5,resample:0.5")
        let config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 10)
        func run(_ workers: Int) throws -> [EvalRecord] {
            try Self.withWorkers(workers) {
                try PreferenceRun(config: config, pairs: pairs, answerCheck: AnswerCheck.arith).run()
            }.map { var r = $0; r.elapsed = 0; return r }
        }
        let (one, two) = (try run(1), try run(2))
        #expect(one.count == 2)
        #expect(one == two)
        // The displacement profile and the squeezing signals are in those records.
        #expect(one.last!.eval.displacementProfile != nil && one.last!.eval.squeezeEntropy != nil)
    }

    /// Gradient entanglement runs backward passes inside the eval: its cosines, too, must not depend on the workers.
    @Test func entanglementCosinesAreTheSameWithOneOrTwoWorkers() throws {
        let pairs = try PreferenceTrainingTests.pairs(32, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5), steps: 2)
        config.sft.steps = 4
        config.train.taskEvalPairs = 0
        config.train.entanglementPairs = 3
        func run(_ workers: Int) throws -> [EvalRecord] {
            try Self.withWorkers(workers) { try PreferenceRun(config: config, pairs: pairs).run() }.map { var r = $0; r.elapsed = 0; return r }
        }
        let (one, two) = (try run(1), try run(2))
        #expect(one.allSatisfy { $0.entanglementCosines?.count == 3 })
        #expect(one == two)
    }

    /// `train.share_trunk`: the shared-trunk step and the reference scoring it needs give the same records with 1 or 2 workers.
    @Test func aSharedTrunkRunIsTheSameWithOneOrTwoWorkers() throws {
        let pairs = try PreferenceTrainingTests.pairs(32, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpop, beta: 0.5), steps: 3)
        config.sft.steps = 4
        config.train.taskEvalPairs = 0
        config.train.shareTrunk = true
        func run(_ workers: Int) throws -> [EvalRecord] {
            try Self.withWorkers(workers) { try PreferenceRun(config: config, pairs: pairs).run() }.map { var r = $0; r.elapsed = 0; return r }
        }
        let (one, two) = (try run(1), try run(2))
        #expect(one.count >= 2)
        #expect(one == two)
    }
}
