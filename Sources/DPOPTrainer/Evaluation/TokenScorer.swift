/// Next-token log-probabilities of a token sequence under a model, one forward at a time.
public enum TokenScorer {
    /// log p(tokens[i+1] | tokens[...i]) for every i, in windows of the model's arena length.
    public static func logProbs(_ model: GPTModel, tokens: [Int32]) -> [Float] {
        guard tokens.count >= 2 else { return [] }
        let T = min(model.maxSequence, tokens.count - 1)
        guard tokens.count - 1 <= T else {
            // Longer than the context: score the first T positions only; callers check the length first.
            return logProbs(model, tokens: Array(tokens.prefix(T + 1)))
        }
        let inputs = Array(tokens.dropLast())
        let targets = Array(tokens.dropFirst())
        let mask = [Float](repeating: 1, count: inputs.count)
        model.forward(tokens: inputs, targets: targets, mask: mask, B: 1, T: inputs.count)
        return Array(UnsafeBufferPointer(start: model.tokenLogProbs, count: inputs.count))
    }
}
