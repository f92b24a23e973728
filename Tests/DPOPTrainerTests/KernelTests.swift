import Foundation
import Testing
@testable import DPOPTrainer

/// Each layer's backward against central finite differences of Σ out·dout, and BLAS against naive loops.
@Suite struct KernelTests {
    @Test func matmulBLASMatchesNaive() {
        let N = 7, C = 13, OC = 11
        let inp = GradientCheck.random(N * C, seed: 1)
        let w = GradientCheck.random(OC * C, seed: 2)
        let bias = GradientCheck.random(OC, seed: 3)
        let dout = GradientCheck.random(N * OC, seed: 4)
        var fast = [Float](repeating: 0, count: N * OC), slow = fast
        Matmul.forward(out: &fast, inp: inp, weight: w, bias: bias, N: N, C: C, OC: OC)
        NaiveMatmul.forward(out: &slow, inp: inp, weight: w, bias: bias, N: N, C: C, OC: OC)
        for i in 0..<fast.count { #expect(abs(fast[i] - slow[i]) < 1e-5) }

        // Backward accumulates: start both from the same non-zero gradients.
        var dinpF = GradientCheck.random(N * C, seed: 5), dinpS = dinpF
        var dwF = GradientCheck.random(OC * C, seed: 6), dwS = dwF
        var dbF = GradientCheck.random(OC, seed: 7), dbS = dbF
        let ones = [Float](repeating: 1, count: N)
        Matmul.backward(dinp: &dinpF, dweight: &dwF, dbias: &dbF, dout: dout, inp: inp, weight: w, ones: ones, N: N, C: C, OC: OC)
        NaiveMatmul.backward(dinp: &dinpS, dweight: &dwS, dbias: &dbS, dout: dout, inp: inp, weight: w, N: N, C: C, OC: OC)
        for i in 0..<dinpF.count { #expect(abs(dinpF[i] - dinpS[i]) < 1e-4) }
        for i in 0..<dwF.count { #expect(abs(dwF[i] - dwS[i]) < 1e-4) }
        for i in 0..<dbF.count { #expect(abs(dbF[i] - dbS[i]) < 1e-4) }
    }

    /// The forward by sequence (the model's path) against naive loops: real rows match, padding rows
    /// are exactly the bias (0 without one), with a sequence longer than one block and an empty one.
    @Test(arguments: [true, false])
    func matmulBySequenceMatchesNaiveAndSetsPaddingToTheBias(bias: Bool) {
        let T = SequenceRows.blockRows + 9, C = 13, OC = 11
        let rows = SequenceRows(B: 4, T: T, lengths: [T, 5, 0, SequenceRows.blockRows + 1])
        #expect(rows.blocks.count == 5)
        let N = rows.rowCount
        let inp = GradientCheck.random(N * C, seed: 31), w = GradientCheck.random(OC * C, seed: 32)
        let b = bias ? GradientCheck.random(OC, seed: 33) : nil
        var fast = GradientCheck.random(N * OC, seed: 34, scale: 100), slow = fast
        Matmul.forward(out: &fast, inp: inp, weight: w, bias: b, rows: rows, C: C, OC: OC)
        NaiveMatmul.forward(out: &slow, inp: inp, weight: w, bias: b, rows: rows, C: C, OC: OC)
        for i in 0..<fast.count { #expect(abs(fast[i] - slow[i]) < 1e-5) }
        for seq in 0..<rows.B {
            for r in rows.padding(seq) {
                for o in 0..<OC { #expect(fast[r * OC + o] == (b?[o] ?? 0)) }
            }
        }
    }

    /// Attention by sequence against naive loops on the real rows; padding rows of the output and of
    /// the overwritten input gradient are 0.
    @Test func attentionBySequenceMatchesNaiveAndZeroesPadding() {
        let T = 9, C = 12, NH = 3
        let rows = SequenceRows(B: 3, T: T, lengths: [9, 4, 0])
        let qkv = GradientCheck.random(rows.rowCount * 3 * C, seed: 41, scale: 2)
        let dout = GradientCheck.random(rows.rowCount * C, seed: 42)
        var out1 = GradientCheck.random(rows.rowCount * C, seed: 43, scale: 100), out2 = out1
        var att1 = [Float](repeating: 0, count: rows.B * NH * T * T), att2 = att1
        Attention.forward(out: &out1, att: &att1, qkv: qkv, rows: rows, C: C, NH: NH)
        NaiveAttention.forward(out: &out2, att: &att2, qkv: qkv, rows: rows, C: C, NH: NH)
        for i in 0..<out1.count { #expect(abs(out1[i] - out2[i]) < 1e-5) }
        for b in 0..<rows.B { for r in rows.padding(b) { #expect(out1[(r * C)..<((r + 1) * C)].allSatisfy { $0 == 0 }) } }
        var d1 = GradientCheck.random(qkv.count, seed: 44, scale: 100), d2 = [Float](repeating: 0, count: qkv.count)
        var scratch = [Float](repeating: 0, count: Parallel.maxWorkers * T * T)
        Attention.backward(accumulate: false, dqkv: &d1, dout: dout, qkv: qkv, att: att1, scratch: &scratch, rows: rows, C: C, NH: NH)
        NaiveAttention.backward(dqkv: &d2, dout: dout, qkv: qkv, att: att2, scratch: &scratch, rows: rows, C: C, NH: NH)
        for i in 0..<d1.count { #expect(abs(d1[i] - d2[i]) < 1e-4) }
        for b in 0..<rows.B { for r in rows.padding(b) { #expect(d1[(r * 3 * C)..<((r + 1) * 3 * C)].allSatisfy { $0 == 0 }) } }
    }

    /// A sequence's rows out of the forward products are the same floats alone and in a batch with
    /// other sequences, more padding and another position: the cut follows the sequence.
    @Test func productsGiveASequenceTheSameFloatsInAnyBatch() {
        let C = 16, OC = 48, NH = 2, n = 37
        let seq = GradientCheck.random(n * 3 * C, seed: 51)
        let w = GradientCheck.random(OC * C, seed: 52), bias = GradientCheck.random(OC, seed: 53)
        func run(B: Int, T: Int, at slot: Int, lengths: [Int]) -> (product: [Float], attention: [Float]) {
            var qkv = GradientCheck.random(B * T * 3 * C, seed: 54)
            for i in 0..<(n * 3 * C) { qkv[slot * T * 3 * C + i] = seq[i] }
            let rows = SequenceRows(B: B, T: T, lengths: lengths)
            var out = [Float](repeating: 0, count: B * T * OC)
            // the q part of qkv as a (B·T, C) input with row stride 3C is not what Matmul takes; copy it
            let inp = (0..<(B * T)).flatMap { r in qkv[(r * 3 * C)..<(r * 3 * C + C)] }
            Matmul.forward(out: &out, inp: inp, weight: w, bias: bias, rows: rows, C: C, OC: OC)
            var atty = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
            Attention.forward(out: &atty, att: &att, qkv: qkv, rows: rows, C: C, NH: NH)
            return (Array(out[(slot * T * OC)..<(slot * T * OC + n * OC)]), Array(atty[(slot * T * C)..<(slot * T * C + n * C)]))
        }
        let alone = run(B: 1, T: n, at: 0, lengths: [n])
        for (B, T, slot, lengths) in [(5, 60, 3, [60, 12, 59, n + 1, n + 2]), (9, 41, 0, [n] + Array(repeating: 41, count: 8)),
                                      (3, 200, 2, [200, 150, n])] {
            var lengths = lengths
            lengths[slot] = n
            let other = run(B: B, T: T, at: slot, lengths: lengths)
            #expect(other.product.map(\.bitPattern) == alone.product.map(\.bitPattern), "product, B \(B) T \(T) slot \(slot)")
            #expect(other.attention.map(\.bitPattern) == alone.attention.map(\.bitPattern), "attention, B \(B) T \(T) slot \(slot)")
        }
    }

    /// The row-split weight gradient (the model's path) against naive loops, with enough rows that
    /// several workers each add a partial sum, for odd sizes and with and without a bias.
    @Test(arguments: [(N: 4100, C: 13, OC: 11, bias: true), (N: 1030, C: 8, OC: 5, bias: false), (N: 600, C: 8, OC: 5, bias: true), (N: 40, C: 3, OC: 7, bias: true)])
    func matmulRowSplitWeightGradientMatchesNaive(shape: (N: Int, C: Int, OC: Int, bias: Bool)) {
        let (N, C, OC) = (shape.N, shape.C, shape.OC)
        let inp = GradientCheck.random(N * C, seed: 21), w = GradientCheck.random(OC * C, seed: 22)
        let dout = GradientCheck.random(N * OC, seed: 23), ones = [Float](repeating: 1, count: N)
        var dinpF = GradientCheck.random(N * C, seed: 24), dinpS = dinpF
        var dwF = GradientCheck.random(OC * C, seed: 25), dwS = dwF
        var dbF = GradientCheck.random(OC, seed: 26), dbS = dbF
        // stale values in the partials must not leak into the result
        var partials = GradientCheck.random((Parallel.maxWorkers - 1) * (OC * C + OC), seed: 27, scale: 100)
        if shape.bias {
            Matmul.backward(dinp: &dinpF, dweight: &dwF, dbias: &dbF, dout: dout, inp: inp, weight: w, ones: ones,
                            partials: &partials, N: N, C: C, OC: OC)
        } else {
            Matmul.backward(dinp: &dinpF, dweight: &dwF, dbias: nil, dout: dout, inp: inp, weight: w, ones: ones,
                            partials: &partials, N: N, C: C, OC: OC)
        }
        if shape.bias {
            NaiveMatmul.backward(dinp: &dinpS, dweight: &dwS, dbias: &dbS, dout: dout, inp: inp, weight: w, N: N, C: C, OC: OC)
        } else {
            NaiveMatmul.backward(dinp: &dinpS, dweight: &dwS, dbias: nil, dout: dout, inp: inp, weight: w, N: N, C: C, OC: OC)
        }
        for i in 0..<dinpF.count { #expect(abs(dinpF[i] - dinpS[i]) < 1e-3) }
        for i in 0..<dwF.count { #expect(abs(dwF[i] - dwS[i]) < 1e-3 * Float(N).squareRoot()) }
        for i in 0..<dbF.count { #expect(abs(dbF[i] - dbS[i]) < 1e-3 * Float(N).squareRoot()) }
    }

    /// gelu with its derivative kept in place of x gives the same output and input gradient as the
    /// plain pair, which recomputes tanh from x.
    @Test func geluKeepingDerivativeMatchesPlainPair() {
        let n = 10_000
        let x = GradientCheck.random(n, seed: 31, scale: 6), dout = GradientCheck.random(n, seed: 32)
        var outPlain = [Float](repeating: 0, count: n), outKept = outPlain
        GELU.forward(out: &outPlain, inp: x, N: n)
        var buffer = x  // becomes gelu'(x)
        buffer.withUnsafeMutableBufferPointer { b in
            GELU.forwardKeepingDerivative(out: &outKept, derivative: b.baseAddress!, inp: b.baseAddress!, N: n)
        }
        #expect(outPlain == outKept)
        var dPlain = GradientCheck.random(n, seed: 33), dKept = dPlain
        GELU.backward(dinp: &dPlain, inp: x, dout: dout, N: n)
        GELU.backward(dinp: &dKept, derivative: buffer, dout: dout, N: n)
        for i in 0..<n { #expect(abs(dPlain[i] - dKept[i]) <= 1e-6 * max(1, abs(dPlain[i]))) }
    }

    @Test func matmulBackwardMatchesFiniteDifferences() {
        let N = 4, C = 5, OC = 3
        var inp = GradientCheck.random(N * C, seed: 11)
        var w = GradientCheck.random(OC * C, seed: 12)
        var bias = GradientCheck.random(OC, seed: 13)
        let dout = GradientCheck.random(N * OC, seed: 14)
        var dinp = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: OC * C)
        var db = [Float](repeating: 0, count: OC)
        Matmul.backward(dinp: &dinp, dweight: &dw, dbias: &db, dout: dout, inp: inp, weight: w,
                        ones: [Float](repeating: 1, count: N), N: N, C: C, OC: OC)
        func f(_ i: [Float], _ ww: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: N * OC)
            NaiveMatmul.forward(out: &out, inp: i, weight: ww, bias: b, N: N, C: C, OC: OC)
            return GradientCheck.dot(out, dout)
        }
        let (w0, b0, i0) = (w, bias, inp)
        GradientCheck.expectMatches(&inp, analytic: dinp, label: "dinp") { f($0, w0, b0) }
        GradientCheck.expectMatches(&w, analytic: dw, label: "dweight") { f(i0, $0, b0) }
        GradientCheck.expectMatches(&bias, analytic: db, label: "dbias") { f(i0, w0, $0) }
    }

    @Test func layerNormBackwardMatchesFiniteDifferences() {
        let N = 6, C = 8
        var inp = GradientCheck.random(N * C, seed: 21, scale: 2)
        var w = GradientCheck.random(C, seed: 22).map { 1 + 0.5 * $0 }
        var b = GradientCheck.random(C, seed: 23)
        let dout = GradientCheck.random(N * C, seed: 24)
        func run(_ x: [Float], _ ww: [Float], _ bb: [Float]) -> ([Float], [Float], [Float]) {
            var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N)
            var rstd = mean
            LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: ww, bias: bb, N: N, C: C)
            return (out, mean, rstd)
        }
        let (_, mean, rstd) = run(inp, w, b)
        var dinp = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C), db = dw
        var scratch = [Float](repeating: 0, count: Parallel.maxWorkers * 2 * C)
        LayerNorm.backward(dinp: &dinp, dweight: &dw, dbias: &db, dout: dout, inp: inp, weight: w,
                           mean: mean, rstd: rstd, scratch: &scratch, N: N, C: C)
        let (w0, b0, i0) = (w, b, inp)
        GradientCheck.expectMatches(&inp, analytic: dinp, h: 1e-2, label: "dinp") { GradientCheck.dot(run($0, w0, b0).0, dout) }
        GradientCheck.expectMatches(&w, analytic: dw, label: "dweight") { GradientCheck.dot(run(i0, $0, b0).0, dout) }
        GradientCheck.expectMatches(&b, analytic: db, label: "dbias") { GradientCheck.dot(run(i0, w0, $0).0, dout) }
    }

    @Test func geluMatchesClosedFormAndFiniteDifferences() {
        var x = GradientCheck.random(64, seed: 31, scale: 4)
        var out = [Float](repeating: 0, count: x.count)
        GELU.forward(out: &out, inp: x, N: x.count)
        // gelu(1) in the tanh form, from the formula by hand: 0.8411920
        var one: [Float] = [0]
        GELU.forward(out: &one, inp: [1], N: 1)
        #expect(abs(one[0] - 0.841192) < 1e-5)
        let dout = GradientCheck.random(x.count, seed: 32)
        var dinp = [Float](repeating: 0, count: x.count)
        GELU.backward(dinp: &dinp, inp: x, dout: dout, N: x.count)
        GradientCheck.expectMatches(&x, analytic: dinp, h: 1e-3, label: "gelu") { xs in
            var o = [Float](repeating: 0, count: xs.count)
            GELU.forward(out: &o, inp: xs, N: xs.count)
            return GradientCheck.dot(o, dout)
        }
    }

    @Test func attentionBackwardMatchesFiniteDifferences() {
        let B = 2, T = 5, C = 8, NH = 2
        var qkv = GradientCheck.random(B * T * 3 * C, seed: 41, scale: 1.5)
        let dout = GradientCheck.random(B * T * C, seed: 42)
        func run(_ q: [Float]) -> ([Float], [Float]) {
            var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
            Attention.forward(out: &out, att: &att, qkv: q, B: B, T: T, C: C, NH: NH)
            return (out, att)
        }
        let (_, att) = run(qkv)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        var scratch = [Float](repeating: 0, count: Parallel.maxWorkers * T * T)
        Attention.backward(dqkv: &dqkv, dout: dout, qkv: qkv, att: att, scratch: &scratch, B: B, T: T, C: C, NH: NH)
        GradientCheck.expectMatches(&qkv, analytic: dqkv, label: "dqkv") { GradientCheck.dot(run($0).0, dout) }
    }

    @Test func attentionSgemmMatchesNaive() {
        let B = 2, T = 7, C = 12, NH = 3
        let qkv = GradientCheck.random(B * T * 3 * C, seed: 44, scale: 2)
        let dout = GradientCheck.random(B * T * C, seed: 45)
        var out1 = [Float](repeating: 0, count: B * T * C), out2 = out1
        var att1 = [Float](repeating: 0, count: B * NH * T * T), att2 = att1
        Attention.forward(out: &out1, att: &att1, qkv: qkv, B: B, T: T, C: C, NH: NH)
        NaiveAttention.forward(out: &out2, att: &att2, qkv: qkv, B: B, T: T, C: C, NH: NH)
        for i in 0..<out1.count { #expect(abs(out1[i] - out2[i]) < 1e-5) }
        var d1 = GradientCheck.random(qkv.count, seed: 46), d2 = d1
        var scratch = [Float](repeating: 0, count: Parallel.maxWorkers * T * T)
        Attention.backward(dqkv: &d1, dout: dout, qkv: qkv, att: att1, scratch: &scratch, B: B, T: T, C: C, NH: NH)
        NaiveAttention.backward(dqkv: &d2, dout: dout, qkv: qkv, att: att2, scratch: &scratch, B: B, T: T, C: C, NH: NH)
        for i in 0..<d1.count { #expect(abs(d1[i] - d2[i]) < 1e-4) }
    }

    @Test func fastExpAndTanhMatchLibm() {
        var worstExp = 0.0, worstTanh = 0.0
        var x: Float = -87
        while x < 88 {
            let rel = abs(Double(FastMath.exp(x)) - Foundation.exp(Double(x))) / Foundation.exp(Double(x))
            worstExp = max(worstExp, rel)
            x += 0.0137
        }
        x = -12
        while x < 12 {
            worstTanh = max(worstTanh, abs(Double(FastMath.tanh(x)) - Foundation.tanh(Double(x))))
            x += 0.00731
        }
        #expect(worstExp < 1e-6, "exp relative error \(worstExp)")
        #expect(worstTanh < 1e-6, "tanh absolute error \(worstTanh)")
        #expect(FastMath.exp(-200) >= 0 && FastMath.exp(-200) < 1e-37)
        #expect(FastMath.tanh(50) == 1 && FastMath.tanh(-50) == -1)
    }

    @Test func attentionIsCausal() {
        // Changing the last position's q, k, v must leave earlier outputs untouched.
        let B = 1, T = 4, C = 4, NH = 1
        var qkv = GradientCheck.random(B * T * 3 * C, seed: 43)
        var out1 = [Float](repeating: 0, count: T * C), att = [Float](repeating: 0, count: T * T)
        Attention.forward(out: &out1, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        for i in 0..<(3 * C) { qkv[(T - 1) * 3 * C + i] += 1 }
        var out2 = out1
        Attention.forward(out: &out2, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        #expect(Array(out1[0..<((T - 1) * C)]) == Array(out2[0..<((T - 1) * C)]))
        #expect(out1[(T - 1) * C] != out2[(T - 1) * C])
    }

    @Test func encoderBackwardAccumulatesRepeatedTokens() {
        let B = 1, T = 3, C = 2, V = 4
        let tokens: [Int32] = [2, 2, 1]
        var dwte = [Float](repeating: 0, count: V * C), dwpe = [Float](repeating: 0, count: T * C)
        let dout: [Float] = [1, 2, 3, 4, 5, 6]
        TokenEmbedding.backward(dwte: &dwte, dwpe: &dwpe, dout: dout, tokens: tokens, B: B, T: T, C: C)
        #expect(dwte == [0, 0, 5, 6, 4, 6, 0, 0])
        #expect(dwpe == dout)
    }

    @Test func crossEntropyBackwardMatchesFiniteDifferences() {
        let B = 2, T = 3, V = 5
        var logits = GradientCheck.random(B * T * V, seed: 51, scale: 3)
        let targets: [Int32] = [1, 4, 0, 2, 2, 3]
        let mask: [Float] = [0, 1, 1, 1, 0, 1]
        let dseq: [Float] = [0.7, -1.3]
        func run(_ l: [Float]) -> ([Float], [Float], [Float]) {
            var probs = [Float](repeating: 0, count: B * T * V), tok = [Float](repeating: 0, count: B * T)
            var seq = [Float](repeating: 0, count: B)
            CrossEntropy.forward(probs: &probs, tokenLogp: &tok, seqLogp: &seq, logits: l, targets: targets,
                                 mask: mask, B: B, T: T, V: V)
            return (probs, tok, seq)
        }
        let (probs, tok, seq) = run(logits)
        #expect(tok[0] == 0 && tok[4] == 0)
        #expect(abs(seq[0] - (tok[1] + tok[2])) < 1e-6)
        // log-softmax of row 1 (b 0, t 1) by hand
        let row1 = logits[V..<(2 * V)].map(Double.init)
        let logSumExp = Foundation.log(row1.map { Foundation.exp($0) }.reduce(0, +))
        #expect(abs(Double(tok[1]) - (row1[4] - logSumExp)) < 1e-5)
        var dlogits = [Float](repeating: 0, count: B * T * V)
        CrossEntropy.backward(dlogits: &dlogits, dseq: dseq, probs: probs, targets: targets, mask: mask, B: B, T: T, V: V)
        GradientCheck.expectMatches(&logits, analytic: dlogits, h: 1e-2, label: "dlogits") { l in
            let s = run(l).2
            return Double(dseq[0]) * Double(s[0]) + Double(dseq[1]) * Double(s[1])
        }
    }

    @Test func residualBackwardAccumulatesIntoBoth() {
        var da: [Float] = [1, 1], db: [Float] = [2, 2]
        Residual.backward(da: &da, db: &db, dout: [0.5, -1], N: 2)
        #expect(da == [1.5, 0] && db == [2.5, 1])
    }
}

/// The overwrite variants the model uses to skip zeroing scratch gradients equal accumulating into zeros.
@Suite struct OverwriteVariantTests {
    @Test func overwriteEqualsAccumulateIntoZeros() {
        let N = 6, C = 8, OC = 5, B = 2, T = 3, NH = 2
        let garbage = GradientCheck.random(4096, seed: 99, scale: 50)
        func fresh(_ n: Int, zero: Bool) -> [Float] { zero ? [Float](repeating: 0, count: n) : Array(garbage.prefix(n)) }

        let inp = GradientCheck.random(N * C, seed: 1), w = GradientCheck.random(OC * C, seed: 2)
        let dout = GradientCheck.random(N * OC, seed: 3), ones = [Float](repeating: 1, count: N)
        var a = fresh(N * C, zero: true), b = fresh(N * C, zero: false)
        var dw1 = [Float](repeating: 0, count: OC * C), dw2 = dw1
        Matmul.backward(dinp: &a, dweight: &dw1, dbias: nil, dout: dout, inp: inp, weight: w, ones: ones, N: N, C: C, OC: OC)
        Matmul.backward(accumulateInput: false, dinp: &b, dweight: &dw2, dbias: nil, dout: dout, inp: inp, weight: w, ones: ones, N: N, C: C, OC: OC)
        #expect(a == b && dw1 == dw2)

        let x = GradientCheck.random(64, seed: 4), dg = GradientCheck.random(64, seed: 5)
        var g1 = fresh(64, zero: true), g2 = fresh(64, zero: false)
        GELU.backward(dinp: &g1, inp: x, dout: dg, N: 64)
        GELU.backward(accumulate: false, dinp: &g2, inp: x, dout: dg, N: 64)
        #expect(g1 == g2)

        let qkv = GradientCheck.random(B * T * 3 * C, seed: 6), da = GradientCheck.random(B * T * C, seed: 7)
        var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
        Attention.forward(out: &out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        var scratch = [Float](repeating: 0, count: Parallel.maxWorkers * T * T)
        var q1 = fresh(qkv.count, zero: true), q2 = fresh(qkv.count, zero: false)
        Attention.backward(dqkv: &q1, dout: da, qkv: qkv, att: att, scratch: &scratch, B: B, T: T, C: C, NH: NH)
        Attention.backward(accumulate: false, dqkv: &q2, dout: da, qkv: qkv, att: att, scratch: &scratch, B: B, T: T, C: C, NH: NH)
        for i in 0..<q1.count { #expect(abs(q1[i] - q2[i]) < 1e-6) }

        let V = 7
        let logits = GradientCheck.random(B * T * V, seed: 8), targets: [Int32] = [1, 2, 3, 4, 5, 6]
        let mask: [Float] = [0, 1, 1, 1, 0, 1]
        var probs = [Float](repeating: 0, count: B * T * V), tok = [Float](repeating: 0, count: B * T), seq = [Float](repeating: 0, count: B)
        CrossEntropy.forward(probs: &probs, tokenLogp: &tok, seqLogp: &seq, logits: logits, targets: targets, mask: mask, B: B, T: T, V: V)
        var l1 = fresh(B * T * V, zero: true), l2 = fresh(B * T * V, zero: false)
        CrossEntropy.backward(dlogits: &l1, dseq: [0.5, -2], probs: probs, targets: targets, mask: mask, B: B, T: T, V: V)
        CrossEntropy.backward(accumulate: false, dlogits: &l2, dseq: [0.5, -2], probs: probs, targets: targets, mask: mask, B: B, T: T, V: V)
        #expect(l1 == l2)

        let lnIn = GradientCheck.random(N * C, seed: 9), lnW = GradientCheck.random(C, seed: 10), lnB = GradientCheck.random(C, seed: 11)
        var lnOut = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
        LayerNorm.forward(out: &lnOut, mean: &mean, rstd: &rstd, inp: lnIn, weight: lnW, bias: lnB, N: N, C: C)
        var lnScratch = [Float](repeating: 0, count: Parallel.maxWorkers * 2 * C)
        var d1 = fresh(N * C, zero: true), d2 = fresh(N * C, zero: false)
        var w1 = [Float](repeating: 0, count: C), b1 = w1, w2 = w1, b2 = w1
        let dl = GradientCheck.random(N * C, seed: 12)
        LayerNorm.backward(dinp: &d1, dweight: &w1, dbias: &b1, dout: dl, inp: lnIn, weight: lnW, mean: mean, rstd: rstd, scratch: &lnScratch, N: N, C: C)
        LayerNorm.backward(accumulateInput: false, dinp: &d2, dweight: &w2, dbias: &b2, dout: dl, inp: lnIn, weight: lnW, mean: mean, rstd: rstd, scratch: &lnScratch, N: N, C: C)
        #expect(d1 == d2 && w1 == w2 && b1 == b2)
    }
}

@Suite struct VectorReduceTests {
    @Test func matchesScalarLoopsForEveryLength() {
        for n in [1, 3, 7, 8, 9, 16, 31, 257] {
            let a = GradientCheck.random(n, seed: UInt64(n), scale: 3), b = GradientCheck.random(n, seed: UInt64(n) + 100)
            let sum = a.reduce(0.0) { $0 + Double($1) }
            let mean = Float(sum / Double(n))
            let squares = a.reduce(0.0) { $0 + Double(($1 - mean) * ($1 - mean)) }
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            #expect(abs(Double(VectorReduce.sum(a, n)) - sum) < 1e-4)
            #expect(abs(Double(VectorReduce.sumOfSquares(a, n, shift: mean)) - squares) < 1e-3)
            #expect(abs(Double(VectorReduce.dot(a, b, n)) - dot) < 1e-4)
            #expect(VectorReduce.max(a, n) == a.max()!)
        }
    }
}
