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

    /// `count` fresh arith problems of the data section's shape for the SFT stage (`sft.problems`), from
    /// a stream of their own: seeded by the data seed and `referenceSeed`, never the pairs' stream, so the
    /// first problems are not the pairs' own. `PreferenceRun` drops those whose prompt is an eval prompt.
    public static func sftProblems(_ data: ExperimentDataSpec, count: Int, referenceSeed: UInt64, context: Int) throws -> [PreferencePair] {
        let config = ArithTaskConfig(count: count, steps: data.steps...data.steps, maxNumber: data.maxNumber,
                                     corruption: ArithCorruptionMix(only: .step),
                                     seed: sftProblemSeed(dataSeed: data.seed, referenceSeed: referenceSeed), maxContext: context)
        try config.validate()
        return try ArithTask.generate(config)
    }

    /// The SFT problems' generator seed: a mix of both seeds unlike any pairs seed a spec is likely to use.
    static func sftProblemSeed(dataSeed: UInt64, referenceSeed: UInt64) -> UInt64 {
        var mixer = SplitMix64(seed: dataSeed ^ 0x5346_5450_726F_626C) // "SFTProbl"
        return mixer.next() ^ referenceSeed &* 0x9E37_79B9_7F4A_7C15
    }
}
