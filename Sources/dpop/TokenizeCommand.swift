import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop tokenize`: the token ids of a text under a model folder's tokenizer.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text under a model folder's tokenizer.",
        discussion: """
        The folder's tokenizer.json (or GPT-2's vocab.json/encoder.json + merges.txt/vocab.bpe) gives exactly
        the ids Hugging Face's tokenizer gives; a byte-level dpop checkpoint (vocabulary 257, no tokenizer
        files) uses the byte tokenizer. No end-of-text id is appended. Prints the ids separated by spaces,
        or with --json one object {"ids": [...], "tokens": [...]} with each token as the vocabulary spells it.
        """
    )

    @Option(help: "Model folder holding the tokenizer files.") var model: String
    @Option(help: "Text to tokenize.") var text: String?
    @Option(help: "UTF-8 file whose whole contents to tokenize.") var file: String?
    @Flag(help: "One JSON object with ids and tokens.") var json = false

    func validate() throws {
        guard (text == nil) != (file == nil) else { throw ValidationError("give exactly one of --text and --file") }
    }

    func run() throws {
        let tokenizer = try CheckpointTokenizer.load(from: URL(fileURLWithPath: model))
        let tokenized = try text.map { TokenizedText($0, tokenizer: tokenizer) } ?? TokenizedText(file: file!, tokenizer: tokenizer)
        print(json ? tokenized.jsonLine : tokenized.idsLine)
    }
}
