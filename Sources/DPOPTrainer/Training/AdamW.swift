import Foundation

/// AdamW hyperparameters (torch.optim.AdamW semantics: decoupled weight decay, ε after the square root).
public struct AdamWConfig: Codable, Equatable, Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var epsilon: Float = 1e-8
    /// Decay on matrices and embeddings only; biases and LayerNorm parameters are never decayed.
    public var weightDecay: Float = 0.1
    /// Global gradient-norm clip; 0 or less disables it.
    public var maxGradNorm: Float = 1.0

    public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8,
                weightDecay: Float = 0.1, maxGradNorm: Float = 1.0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm
    }
}

/// AdamW with its first and second moments in one flat arena each, the layout of the model's parameters.
public final class AdamW {
    public let config: AdamWConfig
    private let m: UnsafeMutablePointer<Float>
    private let v: UnsafeMutablePointer<Float>
    /// Runs of the arena and their weight-decay factor (1 where decayed, 0 elsewhere), in offset order and
    /// covering it: a factor per run rather than per float, which took as much memory as the parameters.
    private let decayRuns: [(range: Range<Int>, factor: Float)]
    private let count: Int
    /// Number of updates taken so far.
    public private(set) var step = 0

    /// Creates zeroed moments for `layout`.
    public init(layout: ParameterLayout, config: AdamWConfig = AdamWConfig()) {
        self.config = config
        count = layout.count
        m = .allocate(capacity: count)
        m.initialize(repeating: 0, count: count)
        v = .allocate(capacity: count)
        v.initialize(repeating: 0, count: count)
        let decayed = Set(layout.decayedSlots.map(\.offset))
        decayRuns = layout.slots.sorted { $0.offset < $1.offset }.map { slot in
            (slot.offset..<(slot.offset + slot.count), decayed.contains(slot.offset) ? 1 : 0)
        }
        precondition(decayRuns.first?.range.lowerBound == 0 && decayRuns.last?.range.upperBound == count
                     && zip(decayRuns, decayRuns.dropFirst()).allSatisfy { $0.range.upperBound == $1.range.lowerBound },
                     "the layout's slots must tile its arena")
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// Global L2 norm of the gradient arena.
    public static func gradientNorm(_ gradients: UnsafePointer<Float>, count: Int) -> Float {
        let blocks = Parallel.blockCount(count, minimumPerBlock: 1 << 16)
        // on the stack: the step loop allocates nothing
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: Parallel.maxWorkers) { parts in
            let base = parts.baseAddress!
            // blocks fixed by the count alone, summed in order: the same norm whatever the thread count
            Parallel.forBlocks(count, blocks: blocks) { block, range in
                var s: Double = 0
                for i in range { s += Double(gradients[i]) * Double(gradients[i]) }
                base[block] = s
            }
            var total: Double = 0
            for b in 0..<blocks { total += base[b] }
            return Float(total.squareRoot())
        }
    }

    /// Clips the gradients to `maxGradNorm` (as torch's clip_grad_norm_), takes one AdamW step at
    /// learning rate `lr`, and returns the gradient norm before clipping.
    @discardableResult
    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                       lr: Float) -> Float {
        let norm = AdamW.gradientNorm(gradients, count: count)
        var gradScale: Float = 1
        if config.maxGradNorm > 0 {
            gradScale = min(1, config.maxGradNorm / (norm + 1e-6))
        }
        step += 1
        let b1 = config.beta1, b2 = config.beta2, eps = config.epsilon, wd = config.weightDecay
        let correction1 = 1 - powf(b1, Float(step))
        let correction2 = 1 - powf(b2, Float(step))
        let m = self.m, v = self.v, runs = decayRuns
        Parallel.forChunks(count, minimumPerChunk: 1 << 14) { _, range in
            for run in runs where run.range.overlaps(range) {
                let decay = run.factor
                for i in run.range.clamped(to: range) {
                    let g = gradients[i] * gradScale
                    let mi = b1 * m[i] + (1 - b1) * g
                    let vi = b2 * v[i] + (1 - b2) * g * g
                    m[i] = mi
                    v[i] = vi
                    let mhat = mi / correction1
                    let vhat = vi / correction2
                    var p = parameters[i]
                    p -= lr * wd * decay * p
                    p -= lr * mhat / (vhat.squareRoot() + eps)
                    parameters[i] = p
                }
            }
        }
        return norm
    }
}
