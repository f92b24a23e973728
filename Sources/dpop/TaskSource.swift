import ArgumentParser
import DPOPTrainer

/// Pairs from --data or a built-in --task, with the task's answer check.
struct TaskSource {
    var pairs: [PreferencePair]
    var answerCheck: ((PreferencePair, String) -> Bool?)?

    static func load(data: String?, task: String?, pairs: Int, corruption: String, arithSteps: ClosedRange<Int>,
                     seed: UInt64, context: Int) throws -> TaskSource {
        if let data {
            return TaskSource(pairs: try PairsLoader.load(path: data, maxContext: context), answerCheck: AnswerCheck.arith)
        }
        guard task == "arith" else { throw ValidationError("unknown --task '\(task ?? "")'; the built-in task is arith") }
        let config = ArithTaskConfig(count: pairs, steps: arithSteps,
                                     corruption: try ArithCorruptionMix(parsing: corruption), seed: seed, maxContext: context)
        try config.validate()
        return TaskSource(pairs: try ArithTask.generate(config), answerCheck: AnswerCheck.arith)
    }
}
