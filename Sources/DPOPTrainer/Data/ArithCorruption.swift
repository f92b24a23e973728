/// How the built-in `arith` task makes a pair's rejected completion from its correct worked solution.
public enum ArithCorruption: String, CaseIterable, Codable, Sendable {
    /// One intermediate result is wrong; everything after it is textually unchanged (lowest edit distance).
    case step
    /// One intermediate result is wrong and every later step and the answer are recomputed from it.
    case propagate
    /// Only the number in "The answer is N" is wrong; the worked steps stay correct.
    case final
    /// A different worked solution with other numbers and operations and a wrong answer (high edit distance).
    case resample
}
