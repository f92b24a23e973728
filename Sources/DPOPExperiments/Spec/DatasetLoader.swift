import DPOPTrainer
import Foundation

/// The pairs of a data section (a spec's, or `dpop train`'s flags), and the SHA-256 of their JSONL text
/// (the cache key's data part): the one loader of both.
public enum DatasetLoader {
    /// Generates (arith) or reads (path) the pairs; a file's pairs are checked against `context` in
    /// tokens of the model's `tokenizer`.
    public static func load(_ data: ExperimentDataSpec, context: Int, tokenizer: any Tokenizer = ByteTokenizer()) throws
        -> ([PreferencePair], String) {
        if let path = data.path {
            let text = try TextFile.bytes(path, what: "the pairs file")
            return (try PairsLoader.load(path: path, maxContext: context, tokenizer: tokenizer), ContentHash.sha256(text))
        }
        // Arith pairs are sized in bytes, which no BPE tokenizer exceeds; the run checks its own tokens.
        let config = ArithTaskConfig(count: data.pairs, steps: data.steps...data.steps, maxNumber: data.maxNumber,
                                     corruption: try ArithCorruptionMix(parsing: data.corruption), seed: data.seed,
                                     maxContext: context)
        try config.validate()
        let pairs = try ArithTask.generate(config)
        return (pairs, ContentHash.sha256(Array(pairs.map(\.jsonLine).joined(separator: "\n").utf8)))
    }
}
