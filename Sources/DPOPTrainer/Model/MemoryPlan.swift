import Foundation

/// The memory a run will allocate, computed from its configuration before anything is allocated, with
/// checked arithmetic; `check` refuses a plan above the machine's physical memory, naming the figure.
///
/// The sizes follow `ParameterLayout` and `ActivationArena` term by term (a test holds them equal).
public struct MemoryPlan: Sendable {
    /// One allocation group and the setting that sizes it most.
    public struct Part: Sendable {
        public var what: String
        /// nil when the size overflows 64 bits.
        public var bytes: Int?
        /// The setting to blame (spec key) and its value, then the others that enter the size.
        public var setting: String
        public var value: String
        public var related: [String]
    }

    public var parts: [Part]

    /// Total bytes; nil when it overflows 64 bits.
    public var totalBytes: Int? {
        parts.reduce(Optional(0)) { sum, part in
            guard let sum, let b = part.bytes else { return nil }
            let (s, overflow) = sum.addingReportingOverflow(b)
            return overflow ? nil : s
        }
    }

    /// Floats of the parameter arena (`ParameterLayout.count`); nil on overflow.
    public static func parameterFloats(_ c: GPTConfig) -> Int? {
        let V = c.vocabSize, T = c.contextLength, L = c.layers, C = c.channels
        // wte + wpe + per layer (qkv, attproj, fc, fcproj weights: 12 C²; biases and LayerNorms: 13 C) + lnf
        return sum(product(V, C), product(T, C), product(L, sum(product(12, C, C), product(13, C))), product(2, C))
    }

    /// Floats of the activation arena's one allocation (`ActivationArena`, tensor by tensor) for `B` rows of
    /// `T` positions; nil on overflow.
    public static func activationArenaFloats(_ c: GPTConfig, maxBatch B: Int, maxSequence T: Int, lmHead: LMHeadMode) -> Int? {
        let L = c.layers, C = c.channels, NH = c.heads, W = Parallel.maxWorkers
        let whole = lmHead == .wholeBatch
        let VB = whole ? c.vocabSize : 0 // the (B, T, V) tensors exist for the whole-batch head only
        guard let BT = product(B, T) else { return nil }
        let widest = whole ? max(product(4, C) ?? Int.max, c.vocabSize) : product(4, C)
        // encoded, projected, lnf: 3C; lnf mean and rstd, token log-probs, mask: 4; logits and probs: 2V
        let forward = sum(product(BT, sum(product(3, C), product(2, VB), 4)), B,
                          product(L, sum(product(16, BT, C), product(4, BT), product(B, NH, T, T))))
        let backward = sum(product(14, BT, C), product(BT, VB), B, BT, product(W, max(product(2, C) ?? Int.max, product(T, T) ?? Int.max)),
                           product(W - 1, sum(product(widest, C), widest)))
        return sum(forward, backward)
    }

    /// Floats (and 4-byte token ids) of everything a forward and backward of `B` rows of `T` positions
    /// allocate: the arena, the chunked head's logit buffers, tokens and targets; nil on overflow.
    public static func activationFloats(_ c: GPTConfig, maxBatch B: Int, maxSequence T: Int,
                                        lmHead: LMHeadMode? = nil) -> Int? {
        let mode = lmHead ?? .automatic(vocabularySize: c.vocabSize)
        return sum(activationArenaFloats(c, maxBatch: B, maxSequence: T, lmHead: mode),
                   mode == .chunked ? LMHead.bufferFloats(V: c.vocabSize) : 0, product(2, B, T)) // + tokens and targets
    }

    /// One model: parameters and gradients, activations for `maxBatch` rows, and AdamW's state when trained.
    ///
    /// Each part blames the setting furthest above its default among those that size it.
    public static func model(_ config: GPTConfig, maxBatch: Int, maxSequence: Int, batchSetting: String = "batch",
                             batchDefault: Int = 1, optimizer: Bool = false, lmHead: LMHeadMode? = nil) -> MemoryPlan {
        let P = parameterFloats(config)
        typealias S = GPTConfig.Settings
        let shape = [(S.layers, config.layers), (S.context, config.contextLength), (S.embedding, config.channels)]
            .map { (key: $0.0.key, value: $0.1, ratio: Double($0.1) / Double($0.0.defaultValue)) }
        let rows = [(key: batchSetting, value: maxBatch, ratio: Double(maxBatch) / Double(max(1, batchDefault)))]
        func part(_ what: String, _ bytes: Int?, _ sizes: [(key: String, value: Int, ratio: Double)]) -> Part {
            let blamed = sizes.max { $0.ratio < $1.ratio }!
            return Part(what: what, bytes: bytes, setting: blamed.key, value: String(blamed.value),
                        related: sizes.map(\.key).filter { $0 != blamed.key })
        }
        var parts = [
            part("parameters and gradients", product(P, 8), shape),
            part("activations", product(activationFloats(config, maxBatch: maxBatch, maxSequence: maxSequence, lmHead: lmHead), 4), rows + shape),
        ]
        if optimizer { parts.append(part("AdamW state", product(P, 8), shape)) } // first and second moments
        return MemoryPlan(parts: parts)
    }

    /// Throws `DPOPError.invalidSetting` when the plan needs more than `available` bytes, naming the
    /// largest part's setting and both figures.
    public func check(available: UInt64 = ProcessInfo.processInfo.physicalMemory) throws(DPOPError) {
        if let total = totalBytes, UInt64(total) <= available { return }
        let largest = parts.max { ($0.bytes ?? Int.max) < ($1.bytes ?? Int.max) }!
        let needs = totalBytes.map(Self.format) ?? "more than 8 EiB"
        let of = largest.bytes.map(Self.format) ?? "more than 8 EiB"
        throw .invalidSetting(SettingError(
            setting: largest.setting, value: largest.value,
            problem: "\(largest.value): the run needs \(needs) of memory (\(of) of \(largest.what)); this machine has \(Self.format(Int(clamping: available)))",
            related: largest.related, hint: "use a smaller model or batch"))
    }

    /// Bytes in binary units: `24.0 GiB`.
    public static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var x = Double(bytes), u = 0
        while x >= 1024, u < units.count - 1 { x /= 1024; u += 1 }
        return u == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", x, units[u])
    }

    static func product(_ xs: Int?...) -> Int? {
        var p = 1
        for x in xs {
            guard let x, x >= 0 else { return nil }
            let (r, overflow) = p.multipliedReportingOverflow(by: x)
            if overflow { return nil }
            p = r
        }
        return p
    }

    static func sum(_ xs: Int?...) -> Int? {
        var s = 0
        for x in xs {
            guard let x else { return nil }
            let (r, overflow) = s.addingReportingOverflow(x)
            if overflow { return nil }
            s = r
        }
        return s
    }
}
