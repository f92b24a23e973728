import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop logprobs`: per-token log-probs of a text under a checkpoint.
struct LogProbsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprobs",
        abstract: "Print the next-token log-probs of a text under a checkpoint (its tokens, then end-of-text).",
        discussion: "With --json prints {\"text\", \"tokens\", \"logprobs\", \"total\"}; logprobs[i] = log p(tokens[i+1] | tokens[...i])."
    )

    @Option(help: "Checkpoint directory (config.json, safetensors weights, tokenizer files unless byte-level).") var model: String
    @Option(help: "Text to score; end-of-text is appended.") var text: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let folder = try PretrainedModel.open(URL(fileURLWithPath: model))
        let tokens = folder.tokenizer.encode(text) + [folder.tokenizer.endOfText]
        let gpt = try folder.load(maxBatch: 1)
        guard tokens.count <= gpt.config.contextLength + 1 else {
            throw ValidationError("the text is \(tokens.count) tokens with end-of-text; the model's context is \(gpt.config.contextLength)")
        }
        let logprobs = TokenScorer.logProbs(gpt, tokens: tokens)
        let total = logprobs.reduce(0, +)
        if json {
            let object: [String: Any] = ["text": text, "tokens": tokens.map(Int.init), "logprobs": logprobs.map(Double.init), "total": Double(total)]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for (i, lp) in logprobs.enumerated() {
                print(String(format: "%4d  %5d  %10.5f", i + 1, tokens[i + 1], lp))
            }
            print(String(format: "total %.5f over %d tokens", total, logprobs.count))
        }
    }
}
