/// Task-accuracy checks for pairs that carry a checkable answer.
public enum AnswerCheck {
    /// For pairs with an `answer` metadata key (as `arith` writes): is the completion's final
    /// answer (`The answer is N`) that answer? nil for pairs without one.
    public static func arith(_ pair: PreferencePair, _ completion: String) -> Bool? {
        guard let answer = pair.metadata["answer"] else { return nil }
        return ArithTask.isCorrect(completion: completion, answer: answer)
    }
}
