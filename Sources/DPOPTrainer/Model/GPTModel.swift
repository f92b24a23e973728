import Foundation

/// A GPT-2 model with flat parameter and gradient arenas and a hand-written backward pass.
///
/// One forward computes logits, per-token and per-sequence log-probs of masked targets; one backward
/// takes an arbitrary gradient on each sequence's summed log-prob (the preference losses need
/// exactly that) and accumulates parameter gradients. A sequence's forward numbers are the same
/// floats whatever other sequences share its batch and wherever it sits (see `SequenceRows`).
public final class GPTModel {
    public let config: GPTConfig
    public let layout: ParameterLayout
    /// All parameters, laid out by `layout`.
    public let parameters: UnsafeMutablePointer<Float>
    /// Gradients, same layout as `parameters`; backward accumulates into them.
    public let gradients: UnsafeMutablePointer<Float>
    /// Largest batch and sequence length a forward may use.
    public let maxBatch: Int
    public let maxSequence: Int
    /// Longest packed row `forward(_:)` may run: `maxSequence`, or more for shared-trunk rows, whose
    /// `[trunk | chosen tail | rejected tail]` is longer than either sequence while its position ids stay
    /// below the context. The arena's rows grow to it only when a packed forward needs them.
    public let maxRow: Int
    /// How the output layer runs (whole batch, or chunks of scored rows for a large vocabulary).
    public let lmHead: LMHeadMode
    /// Activations, sized for the largest batch a forward has run (at most `maxBatch`): an arena
    /// sized by a flag rather than by the data tried 230 GB for `--batch 100000` on 50 pairs.
    private var arena: ActivationArena?
    var acts: ActivationArena {
        guard let arena else { preconditionFailure("GPTModel's activations are read before any forward") }
        return arena
    }
    /// Sequence boundaries of the last forward.
    private(set) var rows = SequenceRows(B: 1, T: 1)
    private(set) var lastBatch = 0
    private(set) var lastSequence = 0
    /// Row ranges the chunked head ran on in the last forward.
    private var headChunks: [Range<Int>] = []
    /// The last forward's packed rows (segments, position ids, targets) when it ran a `SharedTrunkBatch`;
    /// nil after a forward of plain sequences.
    private var packed: PackedRows?
    /// Per-target and per-slot log-probs of the last packed forward, and the head's logit buffers when
    /// the arena has none (whole-batch head): grown on demand, reused.
    private var packedTargetLogp = GrowingBuffer()
    private var packedSlotLogp = GrowingBuffer()
    private var packedHead = GrowingBuffer()

    /// What a packed forward leaves for its backward.
    private struct PackedRows {
        var segments: [[RowLayout.Segment]]
        var positions: [Int32]
        var targets: ScoredTargets
        var chunks: [Range<Int>]
    }

    /// Allocates the parameters; the activation arena is allocated by the first forward and again
    /// only when a larger batch comes, so steady-state forwards and backwards allocate nothing large.
    /// `lmHead` nil picks `LMHeadMode.automatic` for the vocabulary.
    /// `maxRow` (default `maxSequence`, at most 2·context) is the longest packed row `forward(_:)` may run.
    public init(config: GPTConfig, maxBatch: Int, maxSequence: Int, maxRow: Int? = nil, lmHead: LMHeadMode? = nil) throws {
        try config.validate()
        guard maxSequence >= 1, maxSequence <= config.contextLength else {
            throw DPOPError.invalidConfiguration(
                "sequence length \(maxSequence) must be in 1...\(config.contextLength) (the model's context)")
        }
        guard maxBatch >= 1 else { throw DPOPError.invalidConfiguration("batch must be positive, got \(maxBatch)") }
        let maxRow = maxRow ?? maxSequence
        guard maxRow >= maxSequence, maxRow <= 2 * config.contextLength else {
            throw DPOPError.invalidConfiguration(
                "packed row length \(maxRow) must be in \(maxSequence)...\(2 * config.contextLength) (the sequence length to twice the context)")
        }
        // Parameters now; activations come with the first forward, sized by the batch it runs (a
        // run's plan, `MemoryPlan.run`, checks those for the batches its pairs make).
        let lmHead = lmHead ?? .automatic(vocabularySize: config.vocabSize)
        try MemoryPlan.model(config, maxBatch: 1, maxSequence: maxRow, lmHead: lmHead).check()
        self.lmHead = lmHead
        self.config = config
        layout = ParameterLayout(config: config)
        parameters = .allocate(capacity: layout.count)
        parameters.initialize(repeating: 0, count: layout.count)
        gradients = .allocate(capacity: layout.count)
        gradients.initialize(repeating: 0, count: layout.count)
        self.maxBatch = maxBatch
        self.maxSequence = maxSequence
        self.maxRow = maxRow
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
    }

    /// Number of parameters (the tied output embedding counted once).
    public var parameterCount: Int { layout.count }

    /// GPT-2 initialisation: weights N(0, 0.02), residual projections N(0, 0.02/√(2L)),
    /// biases 0, LayerNorm gains 1. Deterministic in `seed`.
    public func initializeGPT2(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let residualStd = 0.02 / (2.0 * Double(config.layers)).squareRoot()
        func fill(_ slot: TensorSlot, std: Double) {
            let p = parameters + slot.offset
            for i in 0..<slot.count { p[i] = Float(rng.nextNormal() * std) }
        }
        func set(_ slot: TensorSlot, _ value: Float) {
            (parameters + slot.offset).update(repeating: value, count: slot.count)
        }
        fill(layout.wte, std: 0.02)
        fill(layout.wpe, std: 0.01)
        set(layout.ln1w, 1); set(layout.ln1b, 0)
        fill(layout.qkvw, std: 0.02); set(layout.qkvb, 0)
        fill(layout.attprojw, std: residualStd); set(layout.attprojb, 0)
        set(layout.ln2w, 1); set(layout.ln2b, 0)
        fill(layout.fcw, std: 0.02); set(layout.fcb, 0)
        fill(layout.fcprojw, std: residualStd); set(layout.fcprojb, 0)
        set(layout.lnfw, 1); set(layout.lnfb, 0)
    }

    /// Copies every parameter from `other` (same configuration).
    public func copyParameters(from other: GPTModel) {
        precondition(other.config == config, "copyParameters needs identical configurations")
        parameters.update(from: other.parameters, count: layout.count)
    }

    // MARK: - Outputs of the last forward

    /// Logits of the last forward, (B, T, V) row-major: whole-batch head only (the chunked head keeps
    /// none; `logits(row:)` works with both).
    public var logits: UnsafePointer<Float> {
        precondition(lmHead == .wholeBatch, "a chunked LM head keeps no logits; use logits(row:)")
        precondition(packed == nil, "a packed forward keeps no logits; use logits(row:)")
        return UnsafePointer(acts.logits)
    }

    /// The V logits of one row (b·T + t) of the last forward; with the chunked head they are computed
    /// now, into a buffer the next call or forward overwrites.
    public func logits(row: Int) -> UnsafePointer<Float> {
        let V = config.vocabSize, C = config.channels
        precondition(row >= 0 && row < lastBatch * lastSequence, "row \(row) outside the last forward")
        switch lmHead {
        case .wholeBatch where packed == nil:
            return UnsafePointer(acts.logits + row * V)
        case .wholeBatch:
            packedHead.reserve(V)
            LMHead.logits(out: packedHead.pointer, inp: acts.lnf + row * C, weight: parameters + layout.wte.offset, C: C, V: V)
            return UnsafePointer(packedHead.pointer)
        case .chunked:
            LMHead.logits(out: acts.headChunks, inp: acts.lnf + row * C, weight: parameters + layout.wte.offset, C: C, V: V)
            return UnsafePointer(acts.headChunks)
        }
    }
    /// Per-sequence summed log-probs of the masked targets of the last forward, (B); after a packed
    /// forward, one per slot of its `SharedTrunkBatch`, (slotCount).
    public var sequenceLogProbs: UnsafePointer<Float> {
        packed == nil ? UnsafePointer(acts.seqLogp) : UnsafePointer(packedSlotLogp.pointer)
    }
    /// Log-probs of each target of the last packed forward, in its `ScoredTargets` order, (K).
    public var targetLogProbs: UnsafePointer<Float> {
        precondition(packed != nil, "targetLogProbs needs a packed forward")
        return UnsafePointer(packedTargetLogp.pointer)
    }
    /// Per-token log-probs of the targets of the last forward (0 where masked), (B, T).
    public var tokenLogProbs: UnsafePointer<Float> { UnsafePointer(acts.tokenLogp) }

    /// Mean cross-entropy over the masked targets of the last forward.
    public var meanCrossEntropy: Float {
        let n = lastBatch * lastSequence
        var total: Float = 0, count: Float = 0
        for i in 0..<n {
            total -= acts.mask[i] * acts.tokenLogp[i]
            count += acts.mask[i]
        }
        return count > 0 ? total / count : 0
    }

    // MARK: - Forward

    /// Runs the model on `tokens` (B, T); with targets and a mask (both (B, T)) also computes
    /// target log-probs. Masked-out rows skip the softmax. Pass `targets: nil` for logits only.
    /// `lengths` (B) are the sequences' real positions (all T when nil): positions at or past a
    /// sequence's length are padding, never scored, and their activations are fixed values.
    public func forward(tokens: UnsafePointer<Int32>, targets: UnsafePointer<Int32>?,
                        mask: UnsafePointer<Float>?, lengths: UnsafePointer<Int32>? = nil, B: Int, T: Int) {
        prepare(B: B, T: T, lengths: lengths)
        packed = nil
        let C = config.channels, V = config.vocabSize
        let BT = B * T
        let p = parameters, lay = layout, a = acts
        let rows = rows
        a.tokens.update(from: tokens, count: BT)
        if let targets, let mask {
            a.targets.update(from: targets, count: BT)
            a.mask.update(from: mask, count: BT)
            for b in 0..<B { (a.mask + b * T + rows.lengths[b]).update(repeating: 0, count: T - rows.lengths[b]) }
        } else {
            a.targets.update(repeating: 0, count: BT)
            a.mask.update(repeating: 0, count: BT)
        }
        TokenEmbedding.forward(out: a.encoded, tokens: a.tokens, wte: p + lay.wte.offset, wpe: p + lay.wpe.offset,
                        B: B, T: T, C: C)
        forwardLayers()
        switch lmHead {
        case .wholeBatch:
            Matmul.forward(out: a.logits, inp: a.lnf, weight: p + lay.wte.offset, bias: nil, rows: rows, C: C, OC: V)
            CrossEntropy.forward(probs: a.probs, tokenLogp: a.tokenLogp, seqLogp: a.seqLogp, logits: a.logits,
                                 targets: a.targets, mask: a.mask, B: B, T: T, V: V)
        case .chunked:
            LMHead.chunks(mask: a.mask, rows: rows, V: V, into: &headChunks)
            LMHead.forward(tokenLogp: a.tokenLogp, seqLogp: a.seqLogp, inp: a.lnf, weight: p + lay.wte.offset,
                           targets: a.targets, mask: a.mask, chunks: headChunks, buffer: a.headChunks, B: B, T: T, C: C, V: V)
        }
    }

    /// Runs the model on packed rows (`SharedTrunkBatch`: segments, position ids, one or two targets per
    /// logit row): the layers of the plain forward with `SegmentAttention`, then the head on the scored
    /// rows only (`TargetCrossEntropy`, whatever `lmHead`). `sequenceLogProbs` then holds one log-prob per
    /// slot; `backward(dSequenceLogProbs:)` takes one gradient per slot.
    public func forward(_ batch: SharedTrunkBatch) {
        let B = batch.B, T = batch.T
        batch.lengths.withUnsafeBufferPointer { prepare(B: B, T: T, lengths: $0.baseAddress!, packed: true) }
        let segmentRanges = batch.segments.map { $0.map { $0.start..<$0.end } }
        rows.cutBlocks(atSegments: segmentRanges)
        let C = config.channels, V = config.vocabSize
        let BT = B * T
        let p = parameters, lay = layout, a = acts
        let R = LMHead.chunkRows(V: V)
        packed = PackedRows(segments: batch.segments, positions: batch.positions, targets: batch.targets,
                            chunks: batch.targets.chunks(chunkRows: R, segments: segmentRanges))
        a.tokens.update(from: batch.tokens, count: BT)
        a.targets.update(repeating: 0, count: BT)
        a.mask.update(repeating: 0, count: BT)
        batch.positions.withUnsafeBufferPointer { pos in
            TokenEmbedding.forward(out: a.encoded, tokens: a.tokens, positions: pos.baseAddress!, wte: p + lay.wte.offset,
                                   wpe: p + lay.wpe.offset, B: B, T: T, C: C)
        }
        forwardLayers()
        let packed = packed!
        packedTargetLogp.reserve(max(1, packed.targets.count))
        packedSlotLogp.reserve(max(1, packed.targets.slotCount))
        TargetCrossEntropy.forward(targetLogp: packedTargetLogp.pointer, seqLogp: packedSlotLogp.pointer, inp: a.lnf,
                                   weight: p + lay.wte.offset, targets: packed.targets, chunks: packed.chunks,
                                   buffer: headBuffer(), C: C, V: V)
    }

    /// The head's per-worker logit buffers: the arena's when it has them (chunked head), else the model's own.
    private func headBuffer() -> UnsafeMutablePointer<Float> {
        if lmHead == .chunked { return acts.headChunks }
        packedHead.reserve(LMHead.bufferFloats(V: config.vocabSize))
        return packedHead.pointer
    }

    /// Checks the shape, grows the arena for B rows (of `maxRow` positions once a packed forward needs
    /// more than `maxSequence`) and records the rows of the forward about to run.
    private func prepare(B: Int, T: Int, lengths: UnsafePointer<Int32>?, packed: Bool = false) {
        let longest = packed ? maxRow : maxSequence
        precondition(B >= 1 && B <= maxBatch && T >= 1 && T <= longest,
                     "forward(B: \(B), T: \(T)) exceeds the arena (\(maxBatch), \(longest))")
        let arenaRows = max(B, arena?.maxBatch ?? 0)
        let length = T > maxSequence ? maxRow : max(maxSequence, arena?.maxSequence ?? 0)
        if (arena?.maxBatch ?? 0) < arenaRows || (arena?.maxSequence ?? 0) < length {
            arena = nil // the old one goes before the new one is allocated
            arena = ActivationArena(config: config, maxBatch: arenaRows, maxSequence: length, lmHead: lmHead)
        }
        lastBatch = B
        lastSequence = T
        rows.set(B: B, T: T, lengths: lengths)
    }

    /// The transformer blocks and the final LayerNorm, from `encoded` to `lnf`, on the rows of `prepare`;
    /// attention by segments after a packed forward's setup.
    private func forwardLayers() {
        let B = lastBatch, T = lastSequence
        let C = config.channels, NH = config.heads, L = config.layers
        let BT = B * T
        let p = parameters, lay = layout, a = acts
        let rows = rows
        for l in 0..<L {
            let residual = l == 0 ? a.encoded : a.residual3 + (l - 1) * a.strideBTC
            let ln1 = a.ln1 + l * a.strideBTC, ln1Mean = a.ln1Mean + l * a.strideBT
            let ln1Rstd = a.ln1Rstd + l * a.strideBT
            let qkv = a.qkv + l * 3 * a.strideBTC, atty = a.atty + l * a.strideBTC
            let att = a.att + l * a.strideAtt, attproj = a.projected
            let residual2 = a.residual2 + l * a.strideBTC, ln2 = a.ln2 + l * a.strideBTC
            let ln2Mean = a.ln2Mean + l * a.strideBT, ln2Rstd = a.ln2Rstd + l * a.strideBT
            let fch = a.fch + l * 4 * a.strideBTC, fchGelu = a.fchGelu + l * 4 * a.strideBTC
            let fcproj = a.projected, residual3 = a.residual3 + l * a.strideBTC

            LayerNorm.forward(out: ln1, mean: ln1Mean, rstd: ln1Rstd, inp: residual,
                              weight: p + lay.ln1w.offset + l * C, bias: p + lay.ln1b.offset + l * C, N: BT, C: C)
            Matmul.forward(out: qkv, inp: ln1, weight: p + lay.qkvw.offset + l * 3 * C * C,
                           bias: p + lay.qkvb.offset + l * 3 * C, rows: rows, C: C, OC: 3 * C)
            if let packed {
                SegmentAttention.forward(out: atty, att: att, qkv: qkv, segments: packed.segments, rows: rows, C: C, NH: NH)
            } else {
                Attention.forward(out: atty, att: att, qkv: qkv, rows: rows, C: C, NH: NH)
            }
            Matmul.forward(out: attproj, inp: atty, weight: p + lay.attprojw.offset + l * C * C,
                           bias: p + lay.attprojb.offset + l * C, rows: rows, C: C, OC: C)
            Residual.forward(out: residual2, a: residual, b: attproj, N: BT * C)
            LayerNorm.forward(out: ln2, mean: ln2Mean, rstd: ln2Rstd, inp: residual2,
                              weight: p + lay.ln2w.offset + l * C, bias: p + lay.ln2b.offset + l * C, N: BT, C: C)
            Matmul.forward(out: fch, inp: ln2, weight: p + lay.fcw.offset + l * 4 * C * C,
                           bias: p + lay.fcb.offset + l * 4 * C, rows: rows, C: C, OC: 4 * C)
            GELU.forwardKeepingDerivative(out: fchGelu, derivative: fch, inp: fch, N: BT * 4 * C)
            Matmul.forward(out: fcproj, inp: fchGelu, weight: p + lay.fcprojw.offset + l * C * 4 * C,
                           bias: p + lay.fcprojb.offset + l * C, rows: rows, C: 4 * C, OC: C)
            Residual.forward(out: residual3, a: residual2, b: fcproj, N: BT * C)
        }
        let last = a.residual3 + (L - 1) * a.strideBTC
        LayerNorm.forward(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: last,
                          weight: p + lay.lnfw.offset, bias: p + lay.lnfb.offset, N: BT, C: C)
    }

    // MARK: - Backward

    /// Sets every parameter gradient to zero.
    public func zeroGradients() {
        gradients.update(repeating: 0, count: layout.count)
    }

    /// Back-propagates the loss Σ_b mask-summed d[b] · seqLogp[b] of the last forward and
    /// accumulates parameter gradients. `dSequenceLogProbs` has one entry per sequence (per slot after
    /// a packed forward).
    public func backward(dSequenceLogProbs: UnsafePointer<Float>) {
        let B = lastBatch, T = lastSequence
        precondition(B > 0, "backward needs a forward with targets first")
        let C = config.channels, V = config.vocabSize, NH = config.heads, L = config.layers
        let BT = B * T
        let p = parameters, g = gradients, lay = layout, a = acts
        if let packed {
            TargetCrossEntropy.backward(dinp: a.dln, dweight: g + lay.wte.offset, dseq: dSequenceLogProbs, inp: a.lnf,
                                        weight: p + lay.wte.offset, targets: packed.targets, chunks: packed.chunks,
                                        buffer: headBuffer(), C: C, V: V)
        } else {
        a.dseq.update(from: dSequenceLogProbs, count: B)
        switch lmHead {
        case .wholeBatch:
            CrossEntropy.backward(accumulate: false, dlogits: a.dlogits, dseq: a.dseq, probs: a.probs, targets: a.targets,
                                  mask: a.mask, B: B, T: T, V: V)
            Matmul.backward(accumulateInput: false, dinp: a.dln, dweight: g + lay.wte.offset, dbias: nil, dout: a.dlogits, inp: a.lnf,
                            weight: p + lay.wte.offset, ones: a.ones, partials: a.weightPartials, N: BT, C: C, OC: V)
        case .chunked:
            LMHead.backward(dinp: a.dln, dweight: g + lay.wte.offset, dseq: a.dseq, inp: a.lnf, weight: p + lay.wte.offset,
                            targets: a.targets, mask: a.mask, chunks: headChunks, buffer: a.headChunks, B: B, T: T, C: C, V: V)
        }
        }
        let last = a.residual3 + (L - 1) * a.strideBTC
        LayerNorm.backward(accumulateInput: false, dinp: a.dresidual, dweight: g + lay.lnfw.offset, dbias: g + lay.lnfb.offset,
                           dout: a.dln, inp: last, weight: p + lay.lnfw.offset, mean: a.lnfMean,
                           rstd: a.lnfRstd, scratch: a.scratch, N: BT, C: C)

        // Scratch gradients (dln, datty, dqkv, dfch…) are overwritten by the first kernel that writes
        // them, so they need no zeroing; parameter gradients and dresidual accumulate.
        // Residual adds pass the gradient through unchanged, so `dresidual` is at once the gradient
        // of residual3, of fcproj, of residual2 and of attproj; the branches accumulate into it.
        for l in stride(from: L - 1, through: 0, by: -1) {
            let residual = l == 0 ? a.encoded : a.residual3 + (l - 1) * a.strideBTC
            let ln1 = a.ln1 + l * a.strideBTC, ln1Mean = a.ln1Mean + l * a.strideBT
            let ln1Rstd = a.ln1Rstd + l * a.strideBT
            let qkv = a.qkv + l * 3 * a.strideBTC, atty = a.atty + l * a.strideBTC
            let att = a.att + l * a.strideAtt
            let residual2 = a.residual2 + l * a.strideBTC, ln2 = a.ln2 + l * a.strideBTC
            let ln2Mean = a.ln2Mean + l * a.strideBT, ln2Rstd = a.ln2Rstd + l * a.strideBT
            let fch = a.fch + l * 4 * a.strideBTC, fchGelu = a.fchGelu + l * 4 * a.strideBTC

            // MLP branch: residual3 = residual2 + fcproj(gelu(fc(ln2(residual2))))
            Matmul.backward(accumulateInput: false, dinp: a.dfchGelu, dweight: g + lay.fcprojw.offset + l * C * 4 * C,
                            dbias: g + lay.fcprojb.offset + l * C, dout: a.dresidual, inp: fchGelu,
                            weight: p + lay.fcprojw.offset + l * C * 4 * C, ones: a.ones, partials: a.weightPartials, N: BT, C: 4 * C, OC: C)
            GELU.backward(accumulate: false, dinp: a.dfch, derivative: fch, dout: a.dfchGelu, N: BT * 4 * C)
            Matmul.backward(accumulateInput: false, dinp: a.dln, dweight: g + lay.fcw.offset + l * 4 * C * C,
                            dbias: g + lay.fcb.offset + l * 4 * C, dout: a.dfch, inp: ln2,
                            weight: p + lay.fcw.offset + l * 4 * C * C, ones: a.ones, partials: a.weightPartials, N: BT, C: C, OC: 4 * C)
            LayerNorm.backward(dinp: a.dresidual, dweight: g + lay.ln2w.offset + l * C,
                               dbias: g + lay.ln2b.offset + l * C, dout: a.dln, inp: residual2,
                               weight: p + lay.ln2w.offset + l * C, mean: ln2Mean, rstd: ln2Rstd,
                               scratch: a.scratch, N: BT, C: C)

            // Attention branch: residual2 = residual + attproj(attention(qkv(ln1(residual))))
            Matmul.backward(accumulateInput: false, dinp: a.datty, dweight: g + lay.attprojw.offset + l * C * C,
                            dbias: g + lay.attprojb.offset + l * C, dout: a.dresidual, inp: atty,
                            weight: p + lay.attprojw.offset + l * C * C, ones: a.ones, partials: a.weightPartials, N: BT, C: C, OC: C)
            if let packed {
                SegmentAttention.backward(accumulate: false, dqkv: a.dqkv, dout: a.datty, qkv: qkv, att: att, scratch: a.scratch,
                                          segments: packed.segments, rows: rows, C: C, NH: NH)
            } else {
                Attention.backward(accumulate: false, dqkv: a.dqkv, dout: a.datty, qkv: qkv, att: att, scratch: a.scratch,
                                   rows: rows, C: C, NH: NH)
            }
            Matmul.backward(accumulateInput: false, dinp: a.dln, dweight: g + lay.qkvw.offset + l * 3 * C * C,
                            dbias: g + lay.qkvb.offset + l * 3 * C, dout: a.dqkv, inp: ln1,
                            weight: p + lay.qkvw.offset + l * 3 * C * C, ones: a.ones, partials: a.weightPartials, N: BT, C: C, OC: 3 * C)
            LayerNorm.backward(dinp: a.dresidual, dweight: g + lay.ln1w.offset + l * C,
                               dbias: g + lay.ln1b.offset + l * C, dout: a.dln, inp: residual,
                               weight: p + lay.ln1w.offset + l * C, mean: ln1Mean, rstd: ln1Rstd,
                               scratch: a.scratch, N: BT, C: C)
        }
        if let packed {
            packed.positions.withUnsafeBufferPointer { pos in
                TokenEmbedding.backward(dwte: g + lay.wte.offset, dwpe: g + lay.wpe.offset, dout: a.dresidual,
                                        tokens: a.tokens, positions: pos.baseAddress!, B: B, T: T, C: C)
            }
        } else {
            TokenEmbedding.backward(dwte: g + lay.wte.offset, dwpe: g + lay.wpe.offset, dout: a.dresidual,
                                    tokens: a.tokens, B: B, T: T, C: C)
        }
    }

    /// Back-propagates the mean cross-entropy over the masked targets of the last forward.
    public func backwardMeanCrossEntropy() {
        precondition(packed == nil, "backwardMeanCrossEntropy needs a forward of plain sequences")
        let B = lastBatch, T = lastSequence
        var count: Float = 0
        for i in 0..<(B * T) { count += acts.mask[i] }
        let d = count > 0 ? -1 / count : 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: B) { buf in
            for b in 0..<B { buf[b] = d }
            backward(dSequenceLogProbs: buf.baseAddress!)
        }
    }
}
