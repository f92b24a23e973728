import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop score`: log-probs of each pair under a checkpoint (and a reference), one JSON line per pair.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score preference pairs with a GPT-2-format checkpoint (257-token byte vocabulary).",
        discussion: """
        Prints one JSON line per pair: line, id (if any), logp_chosen, logp_rejected, edit_distance, and with
        --reference also ref_logp_chosen, ref_logp_rejected and loss (the pair's loss under --loss …).
        Without --json prints a table and the means.
        """
    )

    @Option(help: "Policy checkpoint directory.") var model: String
    @Option(help: "Reference checkpoint directory.") var reference: String?
    @Option(help: "JSONL preference pairs.") var data: String
    @OptionGroup var lossOptions: LossOptions
    @Flag(help: "One JSON object per line.") var json = false

    func validate() throws {
        _ = try lossOptions.config()
    }

    func run() throws {
        let policy = try GPT2Checkpoint.loadModel(from: URL(fileURLWithPath: model), maxBatch: 32)
        guard policy.config.vocabSize == ByteTokenizer.vocabularySize else {
            throw ValidationError("\(model) has a vocabulary of \(policy.config.vocabSize); dpop scores byte-level models (257 tokens)")
        }
        let ref = try reference.map { try GPT2Checkpoint.loadModel(from: URL(fileURLWithPath: $0), maxBatch: 32) }
        let pairs = try PairsLoader.load(path: data, maxContext: policy.config.contextLength)
        let lines = try PairScorer.pairLineNumbers(path: data)
        let scores = PairScorer.score(pairs: pairs, lines: lines, model: policy, reference: ref, loss: try lossOptions.config())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for s in scores { print(String(decoding: try encoder.encode(s), as: UTF8.self)) }
            return
        }
        print(PairScorer.table(scores))
    }
}
