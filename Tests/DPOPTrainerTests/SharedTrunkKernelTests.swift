import Testing
@testable import DPOPTrainer

/// The shared-trunk kernels (segment attention, embedding by position id, the two-target head) against
/// their naive references, on rows laid out by `RowLayout`, padded, with a single-sequence row among them.
@Suite struct SharedTrunkKernelTests {
    /// Three rows: a shared pair, a pair identical up to end-of-text (no tails), a single sequence; T fits the longest.
    static let layouts: [RowLayout] = [
        RowLayout.sharedTrunk(chosen: TrainingSequence(tokens: [1, 2, 3, 4, 5, 6, 0], firstTarget: 2),
                              rejected: TrainingSequence(tokens: [1, 2, 3, 4, 9, 6, 7, 0], firstTarget: 2)),
        RowLayout.sharedTrunk(chosen: TrainingSequence(tokens: [3, 1, 5, 6, 0], firstTarget: 2),
                              rejected: TrainingSequence(tokens: [3, 1, 5, 6, 0], firstTarget: 2)),
        RowLayout.single(TrainingSequence(tokens: [7, 2, 4, 0], firstTarget: 1)),
    ]
    static let T = 11

    static var rows: SequenceRows { SequenceRows(B: layouts.count, T: T, lengths: layouts.map(\.count)) }

    /// Rows whose trunk and tails span several causal tiles (`SegmentAttention.tileRows`), and a short one.
    static let longLayouts: [RowLayout] = {
        let prompt: [Int32] = (0..<7).map { Int32($0 % 5 + 1) }
        let common: [Int32] = (0..<(SegmentAttention.tileRows + 12)).map { Int32($0 % 11 + 3) }
        let chosen = prompt + common + (0..<(SegmentAttention.tileRows + 5)).map { Int32($0 % 7 + 20) } + [0]
        let rejected = prompt + common + (0..<(2 * SegmentAttention.tileRows + 1)).map { Int32($0 % 9 + 30) } + [0]
        return [RowLayout.sharedTrunk(chosen: TrainingSequence(tokens: chosen, firstTarget: 7),
                                      rejected: TrainingSequence(tokens: rejected, firstTarget: 7)),
                RowLayout.single(TrainingSequence(tokens: Array(rejected.prefix(SegmentAttention.tileRows + 3)), firstTarget: 7))]
    }()

    @Test(arguments: [false, true])
    func segmentAttentionMatchesNaive(long: Bool) {
        let C = long ? 8 : 12, NH = long ? 2 : 3
        let layouts = long ? Self.longLayouts : Self.layouts
        let T = long ? layouts.map(\.count).max()! : Self.T
        let rows = SequenceRows(B: layouts.count, T: T, lengths: layouts.map(\.count))
        let segments = layouts.map(\.segments)
        if long { #expect(segments[0].allSatisfy { $0.end - $0.start > SegmentAttention.tileRows }) }
        let qkv = GradientCheck.random(rows.rowCount * 3 * C, seed: 51, scale: 2)
        let dout = GradientCheck.random(rows.rowCount * C, seed: 52)
        var out1 = GradientCheck.random(rows.rowCount * C, seed: 53, scale: 100), out2 = out1
        var att1 = [Float](repeating: 0, count: rows.B * NH * T * T), att2 = att1
        SegmentAttention.forward(out: &out1, att: &att1, qkv: qkv, segments: segments, rows: rows, C: C, NH: NH)
        NaiveSegmentAttention.forward(out: &out2, att: &att2, qkv: qkv, segments: segments, rows: rows, C: C, NH: NH)
        var worst: Float = 0
        for i in 0..<out1.count { worst = max(worst, abs(out1[i] - out2[i])) }
        #expect(worst < 1e-5, "forward differs by \(worst)")
        // Visible probabilities agree (the naive kernel writes exactly those).
        for b in 0..<rows.B {
            for h in 0..<NH {
                for t in 0..<rows.lengths[b] {
                    for j in NaiveSegmentAttention.visible(segments[b], t) {
                        let i = ((b * NH + h) * T + t) * T + j
                        #expect(abs(att1[i] - att2[i]) < 1e-5)
                    }
                }
            }
        }
        // Padding rows are 0.
        for b in 0..<rows.B { for t in rows.lengths[b]..<T { for i in 0..<C { #expect(out1[(b * T + t) * C + i] == 0) } } }

        // Backward: accumulating onto the same non-zero start, and overwriting.
        var d1 = GradientCheck.random(rows.rowCount * 3 * C, seed: 54), d2 = d1
        var scratch = [Float](repeating: 0, count: Parallel.maxWorkers * T * T)
        SegmentAttention.backward(dqkv: &d1, dout: dout, qkv: qkv, att: att1, scratch: &scratch, segments: segments, rows: rows, C: C, NH: NH)
        NaiveSegmentAttention.backward(dqkv: &d2, dout: dout, qkv: qkv, att: att2, segments: segments, rows: rows, C: C, NH: NH)
        worst = 0
        for i in 0..<d1.count { worst = max(worst, abs(d1[i] - d2[i])) }
        #expect(worst < 1e-5, "backward differs by \(worst)")
        var d3 = GradientCheck.random(rows.rowCount * 3 * C, seed: 55, scale: 100)
        var d4 = [Float](repeating: 0, count: d3.count)
        SegmentAttention.backward(accumulate: false, dqkv: &d3, dout: dout, qkv: qkv, att: att1, scratch: &scratch,
                                  segments: segments, rows: rows, C: C, NH: NH)
        NaiveSegmentAttention.backward(dqkv: &d4, dout: dout, qkv: qkv, att: att2, segments: segments, rows: rows, C: C, NH: NH)
        worst = 0
        for i in 0..<d3.count { worst = max(worst, abs(d3[i] - d4[i])) }
        #expect(worst < 1e-5, "overwriting backward differs by \(worst)")
    }

    /// A tail never sees its sibling: changing the chosen tail's keys and values leaves the rejected tail's outputs unchanged.
    @Test func tailsDoNotSeeEachOther() {
        let C = 8, NH = 2, rows = Self.rows, T = Self.T
        let segments = Self.layouts.map(\.segments)
        let chosenTail = segments[0][1], rejectedTail = segments[0][2]
        var qkv = GradientCheck.random(rows.rowCount * 3 * C, seed: 61)
        var out1 = [Float](repeating: 0, count: rows.rowCount * C), out2 = out1
        var att = [Float](repeating: 0, count: rows.B * NH * T * T)
        SegmentAttention.forward(out: &out1, att: &att, qkv: qkv, segments: segments, rows: rows, C: C, NH: NH)
        for t in chosenTail.start..<chosenTail.end { for i in C..<(3 * C) { qkv[t * 3 * C + i] += 1 } }
        SegmentAttention.forward(out: &out2, att: &att, qkv: qkv, segments: segments, rows: rows, C: C, NH: NH)
        for t in rejectedTail.start..<rejectedTail.end { for i in 0..<C { #expect(out1[t * C + i] == out2[t * C + i]) } }
    }

    @Test func embeddingByPositionMatchesPlainLoops() {
        let C = 5, V = 16, rows = Self.rows, T = Self.T
        var tokens = [Int32](repeating: 0, count: rows.rowCount), positions = tokens
        for (b, l) in Self.layouts.enumerated() {
            for t in 0..<l.count { tokens[b * T + t] = l.tokens[t]; positions[b * T + t] = l.positions[t] }
        }
        let wte = GradientCheck.random(V * C, seed: 71), wpe = GradientCheck.random(T * C, seed: 72)
        var out = [Float](repeating: 0, count: rows.rowCount * C)
        TokenEmbedding.forward(out: &out, tokens: tokens, positions: positions, wte: wte, wpe: wpe, B: rows.B, T: T, C: C)
        for r in 0..<rows.rowCount {
            for i in 0..<C { #expect(out[r * C + i] == wte[Int(tokens[r]) * C + i] + wpe[Int(positions[r]) * C + i]) }
        }
        let dout = GradientCheck.random(rows.rowCount * C, seed: 73)
        var dwte = [Float](repeating: 0, count: V * C), dwpe = [Float](repeating: 0, count: T * C)
        TokenEmbedding.backward(dwte: &dwte, dwpe: &dwpe, dout: dout, tokens: tokens, positions: positions, B: rows.B, T: T, C: C)
        var ewte = [Double](repeating: 0, count: V * C), ewpe = [Double](repeating: 0, count: T * C)
        for r in 0..<rows.rowCount {
            for i in 0..<C {
                ewte[Int(tokens[r]) * C + i] += Double(dout[r * C + i])
                ewpe[Int(positions[r]) * C + i] += Double(dout[r * C + i])
            }
        }
        for i in 0..<dwte.count { #expect(abs(Double(dwte[i]) - ewte[i]) < 1e-5) }
        for i in 0..<dwpe.count { #expect(abs(Double(dwpe[i]) - ewpe[i]) < 1e-5) }
        // The rejected tail's positions restart at the trunk's length, so its wpe rows are shared with the chosen tail's.
        #expect(Self.layouts[0].positions == [0, 1, 2, 3, 4, 5, 4, 5, 6])
    }

    /// Targets, per-slot sums and gradients against the naive head, with a weighted tail and two targets on one row.
    @Test(arguments: [nil, 2] as [Int?])
    func targetCrossEntropyMatchesNaive(chunkRows: Int?) {
        let C = 6, V = 23, rows = Self.rows, T = Self.T
        var targets = ScoredTargets(Self.layouts, slots: [[0, 1], [2, 3], [4]], T: T)
        targets.weigh(slot: 1, from: 2, by: 0.5)
        #expect(targets.slotCount == 5)
        // Both pair rows score both sequences on their trunk's completion rows (1, 2) and last row (3).
        #expect(targets.second.filter { $0 >= 0 }.count == 6)
        let inp = GradientCheck.random(rows.rowCount * C, seed: 81, scale: 2)
        let w = GradientCheck.random(V * C, seed: 82)
        let chunks = targets.chunks(chunkRows: chunkRows ?? LMHead.chunkRows(V: V))
        var buffer = [Float](repeating: 0, count: LMHead.bufferFloats(V: V))
        var lp1 = [Float](repeating: 0, count: targets.count), lp2 = lp1
        var s1 = [Float](repeating: 0, count: 5), s2 = s1
        TargetCrossEntropy.forward(targetLogp: &lp1, seqLogp: &s1, inp: inp, weight: w, targets: targets, chunks: chunks,
                                   buffer: &buffer, C: C, V: V)
        NaiveTargetCrossEntropy.forward(targetLogp: &lp2, seqLogp: &s2, inp: inp, weight: w, targets: targets, C: C, V: V)
        for k in 0..<lp1.count { #expect(abs(lp1[k] - lp2[k]) < 1e-5) }
        for s in 0..<5 { #expect(abs(s1[s] - s2[s]) < 1e-5) }
        let dseq: [Float] = [0.7, -1.3, 0.4, 0, 2]
        var dinp1 = GradientCheck.random(rows.rowCount * C, seed: 83, scale: 100)
        var dinp2 = [Float](repeating: 0, count: dinp1.count)
        var dw1 = GradientCheck.random(V * C, seed: 84), dw2 = dw1
        TargetCrossEntropy.backward(dinp: &dinp1, dweight: &dw1, dseq: dseq, inp: inp, weight: w, targets: targets, chunks: chunks,
                                    buffer: &buffer, C: C, V: V)
        NaiveTargetCrossEntropy.backward(dinp: &dinp2, dweight: &dw2, dseq: dseq, inp: inp, weight: w, targets: targets, C: C, V: V)
        for i in 0..<dinp1.count { #expect(abs(dinp1[i] - dinp2[i]) < 1e-5) }
        for i in 0..<dw1.count { #expect(abs(dw1[i] - dw2[i]) < 1e-5) }
    }
}
