import Foundation

/// The squeezing signals of one completion (Ren & Sutherland, "Learning Dynamics of LLM Finetuning",
/// ICLR 2025): the mean, over the positions that predict its tokens and end-of-text, of the next-token
/// distribution's largest probability and of its entropy. A negative gradient on y_l pushes mass onto
/// the already likeliest token: the argmax probability rises and the entropy falls everywhere.
public struct SqueezeStatistics: Equatable, Sendable {
    /// Mean probability of the argmax token.
    public var argmaxProbability: Double
    /// Mean entropy of the next-token distribution, in nats.
    public var entropy: Double

    public init(argmaxProbability: Double, entropy: Double) {
        self.argmaxProbability = argmaxProbability
        self.entropy = entropy
    }

    /// The statistics of `sequence`, run as row `row` of the model's last (B, T) forward, from its logits
    /// (`GPTModel.logits(row:)`, so either LM head), softmax in Double.
    public init(_ model: GPTModel, row: Int, T: Int, sequence: TrainingSequence) {
        let V = model.config.vocabSize
        var argmax = 0.0, entropy = 0.0
        // Position t predicts token t + 1: firstTarget − 1 the first completion token, positions − 1 end-of-text.
        let scored = (sequence.firstTarget - 1)..<sequence.positions
        for t in scored {
            let logits = model.logits(row: row * T + t)
            let (p, h) = Self.argmaxProbabilityAndEntropy(logits, V: V)
            argmax += p
            entropy += h
        }
        let n = Double(max(1, scored.count))
        self.init(argmaxProbability: argmax / n, entropy: entropy / n)
    }

    /// Largest probability and entropy of softmax(`logits`), (V). With m the largest logit and
    /// Z = Σ exp(l − m): the largest probability is 1/Z and H = log Z − Σ p (l − m).
    static func argmaxProbabilityAndEntropy(_ logits: UnsafePointer<Float>, V: Int) -> (Double, Double) {
        var m = -Double.infinity
        for v in 0..<V { m = max(m, Double(logits[v])) }
        var z = 0.0, weighted = 0.0
        for v in 0..<V {
            let d = Double(logits[v]) - m
            let e = exp(d)
            z += e
            weighted += e * d
        }
        return (1 / z, log(z) - weighted / z)
    }

    /// Mean of each statistic over `list`; nil when it is empty.
    public static func mean<S: Collection>(_ list: S) -> SqueezeStatistics? where S.Element == SqueezeStatistics {
        guard !list.isEmpty else { return nil }
        let n = Double(list.count)
        return SqueezeStatistics(argmaxProbability: list.reduce(0) { $0 + $1.argmaxProbability } / n,
                                 entropy: list.reduce(0) { $0 + $1.entropy } / n)
    }
}
