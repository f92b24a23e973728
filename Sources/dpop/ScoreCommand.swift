import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop score`: log-probs of each pair under a checkpoint (and a reference), one JSON line per pair.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score preference pairs with a GPT-2-format checkpoint (byte-level, or any vocabulary with its tokenizer).",
        discussion: """
        The pairs are tokenized by the checkpoint's tokenizer (tokenizer.json, or vocab.json + merges.txt;
        the byte tokenizer for a byte-level dpop checkpoint); --reference must use the same one.
        Prints one JSON line per pair: line, id (if any), logp_chosen, logp_rejected, edit_distance, and with
        --reference also ref_logp_chosen, ref_logp_rejected and loss (the pair's loss under --loss …); with
        --ches also ches and ches_normalised (Razin et al.: how much the two completions share their final
        hidden states, a predictor of DPO's likelihood drop), computed under --reference, else under --model.
        Without --json prints a table and the means.
        """
    )

    @Option(help: "Policy checkpoint directory (config.json, safetensors weights, tokenizer files).") var model: String
    @Option(help: "Reference checkpoint directory.") var reference: String?
    @Option(help: "JSONL preference pairs.") var data: String
    @OptionGroup var lossOptions: LossOptions
    @Flag(help: "One JSON object per line.") var json = false
    @Flag(help: "Add each pair's CHES score (ches, ches_normalised), under --reference or else --model.") var ches = false
    @Flag(inversion: .prefixedNo,
          help: "Score each pair as one shared-trunk row (prompt + common completion prefix once), as `dpop train` trains; --no-share-trunk scores two sequences.")
    var shareTrunk = PreferenceTrainConfig.Settings.shareTrunk.defaultValue

    /// Sequences per forward (the arena's rows): enough to keep the matrix products efficient.
    static let batch = 32

    func validate() throws {
        _ = try lossOptions.config()
    }

    func run() throws {
        let policyFolder = try PretrainedModel.open(URL(fileURLWithPath: model))
        let referenceFolder = try reference.map { try PretrainedModel.open(URL(fileURLWithPath: $0)) }
        let tokenizer = policyFolder.tokenizer
        if let referenceFolder, referenceFolder.config.vocabSize != policyFolder.config.vocabSize
            || referenceFolder.tokenizer.vocabularySize != tokenizer.vocabularySize {
            throw ValidationError("--reference \(referenceFolder.directory.path) has a vocabulary of \(referenceFolder.config.vocabSize) "
                                  + "(tokenizer \(referenceFolder.tokenizer.vocabularySize)), --model \(model) \(policyFolder.config.vocabSize) "
                                  + "(tokenizer \(tokenizer.vocabularySize)); the two must share a tokenizer")
        }
        let context = min(policyFolder.config.contextLength, referenceFolder?.config.contextLength ?? .max)
        let (pairs, lines) = try PairsLoader.loadNumbered(path: data, maxContext: context, tokenizer: tokenizer)
        let batch = Self.batch
        // Shared-trunk rows are up to twice the context long, as in training (`GPTModel.maxRow`).
        let policy = try policyFolder.load(maxBatch: batch, maxRow: shareTrunk ? 2 * policyFolder.config.contextLength : nil)
        let ref = try referenceFolder?.load(maxBatch: batch, maxRow: shareTrunk ? 2 * referenceFolder!.config.contextLength : nil)
        let scores = PairScorer.score(pairs: pairs, lines: lines, model: policy, reference: ref, loss: try lossOptions.config(),
                                      tokenizer: tokenizer, ches: ches, shareTrunk: shareTrunk)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for s in scores { print(String(decoding: try encoder.encode(s), as: UTF8.self)) }
            return
        }
        print(PairScorer.table(scores))
    }
}
