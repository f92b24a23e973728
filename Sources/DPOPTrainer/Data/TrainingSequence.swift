/// One token sequence to train on: the model reads `tokens[0..<n-1]` and predicts `tokens[1..<n]`;
/// only predictions of tokens at index ≥ `firstTarget` count (so a prompt can be masked out).
public struct TrainingSequence: Equatable, Sendable {
    public var tokens: [Int32]
    /// Index in `tokens` of the first token whose prediction is scored (≥ 1).
    public var firstTarget: Int

    public init(tokens: [Int32], firstTarget: Int) {
        precondition(firstTarget >= 1 && tokens.count >= 2, "a training sequence needs a context token and a target")
        self.tokens = tokens
        self.firstTarget = firstTarget
    }

    /// Number of model positions it occupies (one less than its tokens).
    public var positions: Int { tokens.count - 1 }

    /// Number of scored targets.
    public var targetCount: Int { tokens.count - firstTarget }

    /// prompt ids + completion ids + `endOfText`, scored on the completion and end-of-text.
    public static func promptCompletion(prompt: [Int32], completion: [Int32], endOfText: Int32) -> TrainingSequence {
        TrainingSequence(tokens: prompt + completion + [endOfText], firstTarget: max(1, prompt.count))
    }
}
