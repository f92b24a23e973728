import Testing
@testable import DPOPTrainer

/// The chunked LM head (`LMHead`) against the whole-batch reference (`NaiveMatmul` + `CrossEntropy`), and
/// the model that runs it against finite differences.
@Suite struct LMHeadTests {
    /// 3 sequences of T = 11 with lengths 11, 7, 0: scored from a prompt on (rows before it and padding
    /// unscored), and one unscored row inside the scored span.
    let B = 3, T = 11, C = 6, V = 301
    let lengths = [11, 7, 0]
    let firstScored = [4, 2, 0]

    func mask() -> [Float] {
        var mask = [Float](repeating: 0, count: B * T)
        for b in 0..<B where lengths[b] > 0 {
            for t in firstScored[b]..<lengths[b] { mask[b * T + t] = 1 }
        }
        mask[0 * T + 6] = 0 // a gap: computed in its chunk, not scored
        return mask
    }

    /// The reference: logits of every row by plain loops, `CrossEntropy` forward and backward, plain-loop products back.
    func reference(inp: [Float], weight: [Float], targets: [Int32], mask: [Float], dseq: [Float])
        -> (tokenLogp: [Float], seqLogp: [Float], dinp: [Float], dweight: [Float]) {
        let rows = SequenceRows(B: B, T: T, lengths: lengths)
        var logits = [Float](repeating: 0, count: B * T * V), probs = logits, dlogits = logits
        var tokenLogp = [Float](repeating: 0, count: B * T), seqLogp = [Float](repeating: 0, count: B)
        NaiveMatmul.forward(out: &logits, inp: inp, weight: weight, bias: nil, rows: rows, C: C, OC: V)
        CrossEntropy.forward(probs: &probs, tokenLogp: &tokenLogp, seqLogp: &seqLogp, logits: logits,
                             targets: targets, mask: mask, B: B, T: T, V: V)
        CrossEntropy.backward(accumulate: false, dlogits: &dlogits, dseq: dseq, probs: probs, targets: targets,
                              mask: mask, B: B, T: T, V: V)
        var dinp = [Float](repeating: 0, count: B * T * C), dweight = [Float](repeating: 0, count: V * C)
        NaiveMatmul.backward(dinp: &dinp, dweight: &dweight, dbias: nil, dout: dlogits, inp: inp, weight: weight,
                             N: B * T, C: C, OC: V)
        return (tokenLogp, seqLogp, dinp, dweight)
    }

    static func expectClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ label: String) {
        #expect(a.count == b.count)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "\(label): worst relative difference \(worst)")
    }

    @Test(arguments: [4, 5, 11]) // chunks of 4 and 5 rows cut the spans unevenly; 11 makes one chunk per sequence
    func chunkedHeadEqualsTheWholeBatchReference(chunkRows: Int) {
        let inp = GradientCheck.random(B * T * C, seed: 1)
        let weight = GradientCheck.random(V * C, seed: 2, scale: 0.5)
        var rng = SplitMix64(seed: 3)
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
        let mask = mask()
        let dseq: [Float] = [0.7, -1.3, 2]
        let expected = reference(inp: inp, weight: weight, targets: targets, mask: mask, dseq: dseq)

        let rows = SequenceRows(B: B, T: T, lengths: lengths)
        var chunks: [Range<Int>] = []
        LMHead.chunks(mask: mask, rows: rows, V: V, chunkRows: chunkRows, into: &chunks)
        // Every scored row is in exactly one chunk; no prompt row before the first scored one, no padding.
        #expect(chunks.allSatisfy { $0.count <= chunkRows })
        #expect(chunks.first?.lowerBound == firstScored[0] && chunks.map(\.count).reduce(0, +) == (11 - 4) + (7 - 2))
        var buffer = [Float](repeating: .nan, count: LMHead.bufferFloats(V: V)) // stale NaNs must not leak
        var tokenLogp = [Float](repeating: .nan, count: B * T), seqLogp = [Float](repeating: .nan, count: B)
        LMHead.forward(tokenLogp: &tokenLogp, seqLogp: &seqLogp, inp: inp, weight: weight, targets: targets, mask: mask,
                       chunks: chunks, buffer: &buffer, B: B, T: T, C: C, V: V)
        Self.expectClose(tokenLogp, expected.tokenLogp, 1e-5, "token log-probs")
        Self.expectClose(seqLogp, expected.seqLogp, 1e-5, "sequence log-probs")

        var dinp = [Float](repeating: .nan, count: B * T * C)
        var dweight = GradientCheck.random(V * C, seed: 4) // backward accumulates into the weight gradient
        let before = dweight
        LMHead.backward(dinp: &dinp, dweight: &dweight, dseq: dseq, inp: inp, weight: weight, targets: targets, mask: mask,
                        chunks: chunks, buffer: &buffer, B: B, T: T, C: C, V: V)
        Self.expectClose(dinp, expected.dinp, 1e-5, "input gradient")
        Self.expectClose(zip(dweight, before).map { $0 - $1 }, expected.dweight, 1e-5, "weight gradient")
    }

    @Test func chunkedHeadGradientsMatchFiniteDifferences() {
        let inp = GradientCheck.random(B * T * C, seed: 11)
        var weight = GradientCheck.random(V * C, seed: 12, scale: 0.5)
        var rng = SplitMix64(seed: 13)
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(V)) }
        let mask = mask()
        let dseq: [Float] = [0.7, -1.3, 2]
        let rows = SequenceRows(B: B, T: T, lengths: lengths)
        var chunks: [Range<Int>] = []
        LMHead.chunks(mask: mask, rows: rows, V: V, chunkRows: 4, into: &chunks)
        var buffer = [Float](repeating: 0, count: LMHead.bufferFloats(V: V))
        func loss(_ x: [Float], _ w: [Float]) -> Double {
            var tokenLogp = [Float](repeating: 0, count: B * T), seqLogp = [Float](repeating: 0, count: B)
            LMHead.forward(tokenLogp: &tokenLogp, seqLogp: &seqLogp, inp: x, weight: w, targets: targets, mask: mask,
                           chunks: chunks, buffer: &buffer, B: B, T: T, C: C, V: V)
            return GradientCheck.dot(seqLogp, dseq)
        }
        var dinp = [Float](repeating: 0, count: B * T * C), dweight = [Float](repeating: 0, count: V * C)
        LMHead.backward(dinp: &dinp, dweight: &dweight, dseq: dseq, inp: inp, weight: weight, targets: targets, mask: mask,
                        chunks: chunks, buffer: &buffer, B: B, T: T, C: C, V: V)
        var x = inp
        GradientCheck.expectMatches(&x, analytic: dinp, label: "inp") { loss($0, weight) }
        // The targets' rows of the weight and a spread of others (every row of a 301 × 6 weight is slow in debug).
        let indices = Array(Set(targets.map { Int($0) * C } + Array(stride(from: 0, to: V * C, by: 37)))).sorted()
        GradientCheck.expectMatches(&weight, analytic: dweight, indices: indices, label: "weight") { loss(inp, $0) }
    }

    /// The same model, whole-batch head against chunked head: log-probs and every gradient agree, on a
    /// padded batch with prompts, so the chunked model is the reference model up to float rounding.
    @Test func aChunkedModelEqualsTheWholeBatchModel() throws {
        let config = GPTConfig(vocabSize: 301, contextLength: 12, layers: 2, heads: 2, channels: 8)
        let whole = try GPTModel(config: config, maxBatch: 3, maxSequence: 12, lmHead: .wholeBatch)
        let chunked = try GPTModel(config: config, maxBatch: 3, maxSequence: 12, lmHead: .chunked)
        whole.initializeGPT2(seed: 3)
        chunked.copyParameters(from: whole)
        let sequences = [TrainingSequence(tokens: (0..<13).map { Int32($0 * 23 % 301) }, firstTarget: 5),
                         TrainingSequence(tokens: (0..<8).map { Int32($0 * 7 % 301) }, firstTarget: 2),
                         TrainingSequence(tokens: [4, 300, 9], firstTarget: 1)]
        var batch = SequenceBatch(maxBatch: 3, maxSequence: 12)
        batch.fill(sequences)
        let dseq: [Float] = [1, -0.5, 2]
        for model in [whole, chunked] {
            batch.forward(model)
            model.zeroGradients()
            model.backward(dSequenceLogProbs: dseq)
        }
        Self.expectClose(Array(UnsafeBufferPointer(start: chunked.sequenceLogProbs, count: 3)),
                         Array(UnsafeBufferPointer(start: whole.sequenceLogProbs, count: 3)), 1e-5, "sequence log-probs")
        Self.expectClose(Array(UnsafeBufferPointer(start: chunked.gradients, count: chunked.parameterCount)),
                         Array(UnsafeBufferPointer(start: whole.gradients, count: whole.parameterCount)), 1e-4, "gradients")
        // logits(row:) gives what the whole-batch head keeps.
        let row = 1 * batch.T + 3
        Self.expectClose(Array(UnsafeBufferPointer(start: chunked.logits(row: row), count: 301)),
                         Array(UnsafeBufferPointer(start: whole.logits + row * 301, count: 301)), 1e-5, "logits of a row")
    }
}
