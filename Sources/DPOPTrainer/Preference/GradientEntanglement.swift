/// Gradient entanglement (Yuan et al., arXiv 2410.13828): the cosine between ∇θ log π(y_w|x) and
/// ∇θ log π(y_l|x). Near 1, any step that lowers log π(y_l) also lowers log π(y_w) — the mechanism
/// behind DPO's likelihood drop on similar pairs.
public enum GradientEntanglement {
    /// The cosine for each pair, over every parameter (the tied embedding once), each gradient that of
    /// the completion's summed log-prob (its tokens and end-of-text). Two forward and backward passes
    /// per pair; overwrites the model's gradients and leaves them zero.
    public static func cosines(_ model: GPTModel, _ pairs: [PreparedPair]) -> [Double] {
        let n = model.layout.count
        var chosenGradient = [Float](repeating: 0, count: n)
        var batch = SequenceBatch(maxBatch: 1, maxSequence: model.maxSequence)
        let one: [Float] = [1]
        func gradient(of sequence: TrainingSequence) {
            batch.fill(CollectionOfOne(sequence))
            batch.forward(model)
            model.zeroGradients()
            model.backward(dSequenceLogProbs: one)
        }
        defer { model.zeroGradients() }
        return pairs.map { pair in
            gradient(of: pair.chosen)
            chosenGradient.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: model.gradients, count: n) }
            gradient(of: pair.rejected)
            var dot = 0.0, chosenNorm = 0.0, rejectedNorm = 0.0
            let g = model.gradients
            for i in 0..<n {
                let w = Double(chosenGradient[i]), l = Double(g[i])
                dot += w * l
                chosenNorm += w * w
                rejectedNorm += l * l
            }
            let norms = (chosenNorm * rejectedNorm).squareRoot()
            return norms > 0 ? dot / norms : 0
        }
    }
}
