import DPOPTrainer
import Foundation

/// The pairs of an experiment's data section, and the SHA-256 of their JSONL text (the cache key's data part).
public enum DatasetLoader {
    /// Generates (arith) or reads (path) the pairs.
    public static func load(_ data: ExperimentDataSpec, context: Int) throws -> ([PreferencePair], String) {
        if let path = data.path {
            let text = try TextFile.bytes(path, what: "the pairs file")
            return (try PairsLoader.load(path: path, maxContext: context), ContentHash.sha256(text))
        }
        let config = ArithTaskConfig(count: data.pairs, steps: data.steps...data.steps, maxNumber: data.maxNumber,
                                     corruption: try ArithCorruptionMix(parsing: data.corruption), seed: data.seed,
                                     maxContext: context)
        try config.validate()
        let pairs = try ArithTask.generate(config)
        return (pairs, ContentHash.sha256(Array(pairs.map(\.jsonLine).joined(separator: "\n").utf8)))
    }
}
