import ArgumentParser
import DPOPTrainer
import Foundation

/// `dpop data`: generate built-in preference pairs and describe pair files.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate built-in preference data and describe JSONL pair files.",
        subcommands: [Generate.self, Stats.self]
    )

    /// `dpop data generate <task>`.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate preference pairs from a built-in task as JSONL.",
            subcommands: [Arith.self]
        )
    }

    /// `dpop data generate arith`.
    struct Arith: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Arithmetic word problems with worked steps; rejected answers corrupt the correct one.",
            discussion: """
            Prompts look like "Q: Tom has 17 apples and buys 3 bags of 25. How many now?\\nA:" and the chosen \
            completion like " 3*25=75. 17+75=92. The answer is 92.". Corruption modes: step (one intermediate \
            result wrong, the rest unchanged: low edit distance), propagate (one intermediate result wrong and \
            everything after recomputed), final (only the stated answer wrong), resample (another problem's \
            solution: high edit distance). Each line carries id, mode, answer and steps. The same options \
            always give the same bytes, and the same seed gives the same problems whatever the corruption mix.
            """
        )

        @Option(help: "Number of pairs.") var pairs = ArithTaskConfig.Settings.pairs.defaultValue
        @Option(help: "Equations per solution: K or a range LO-HI, within 1-4.") var steps: String = "2"
        @Option(help: "Largest number a problem states (5-999).") var maxNumber = ArithTaskConfig.Settings.maxNumber.defaultValue
        @Option(help: "Corruption modes MODE[:WEIGHT],… of step, propagate, final, resample; counts follow the weights exactly.")
        var corruption: String = "step"
        @Option(help: "Seed.") var seed: UInt64 = 0
        @Option(help: "Context length every prompt + completion + end-of-text must fit.") var context = ArithTaskConfig.Settings.context.defaultValue
        @Option(help: "Output file (default: standard output).") var out: String?

        func run() throws {
            let config = ArithTaskConfig(count: pairs, steps: try ArithTaskConfig.parseSteps(steps), maxNumber: maxNumber,
                                         corruption: try ArithCorruptionMix(parsing: corruption), seed: seed, maxContext: context)
            let text = PreferencePair.jsonl(try ArithTask.generate(config))
            if let out {
                try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: out))
                try? FileHandle.standardError.write(contentsOf: Data("wrote \(pairs) pairs to \(out)\n".utf8))
            } else {
                try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
            }
        }
    }

    /// `dpop data stats FILE`.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Counts, completion lengths, edit distances, bucket sizes and corruption modes of a pairs file.",
            discussion: """
            With --model DIR the pairs are counted in that model's tokens and scored under it: the distribution of \
            each pair's CHES and length-normalised CHES (count, mean, sd, min, 5/25/50/75/95 % quantiles, max, \
            histogram) and their Spearman correlation with edit distance (--no-ches skips the forward passes).
            """
        )

        @Argument(help: "JSONL preference pairs.") var file: String
        @Option(name: .customLong("bucket"),
                help: "Edit-distance bucket NAME=LO..HI (repeatable; HI may be inf; n:NAME=LO..HI for normalised distance).")
        var buckets: [String] = []
        @Option(help: "Also check every pair fits this context length.") var context: Int?
        @Option(help: "Count tokens of this model folder's tokenizer (default: bytes); its n_positions is the context unless --context.")
        var model: String?
        @Option(help: "Width of the longest histogram bar.") var barWidth: Int = 40
        @Flag(help: "With --model: count its tokens only, without scoring CHES.") var noChes = false
        @Option(help: "Size the --bucket ranges of this statistic instead: \(PairStatistic.names) (ches* need --model).")
        var bucketBy: String?
        @Flag(help: "--bucket bounds are quantiles in [0, 1] of the file's values ([lo, hi), the last [lo, 1]).")
        var quantileBuckets = false

        /// The buckets of `--bucket-by` / `--quantile-buckets`; nil for plain edit-distance buckets.
        func statisticBuckets() throws -> StatisticBuckets? {
            guard bucketBy != nil || quantileBuckets else { return nil }
            guard let statistic = PairStatistic(rawValue: bucketBy ?? PairStatistic.editDistance.rawValue) else {
                throw ValidationError("--bucket-by must be one of \(PairStatistic.names), got '\(bucketBy!)'")
            }
            return try StatisticBuckets(parsing: buckets, statistic: statistic, quantile: quantileBuckets)
        }

        func validate() throws {
            if let rule = try statisticBuckets() {
                if rule.statistic.needsModel && model == nil {
                    throw ValidationError("--bucket-by \(rule.statistic.rawValue) needs --model DIR: CHES is computed under a model, and a pairs file alone has none")
                }
                if rule.statistic.needsModel && noChes { throw ValidationError("--bucket-by \(rule.statistic.rawValue) scores CHES; drop --no-ches") }
                if rule.buckets.isEmpty { throw ValidationError("--bucket-by and --quantile-buckets size --bucket ranges; give at least one --bucket NAME=LO..HI") }
            }
        }

        func run() throws {
            let rule = try statisticBuckets()
            let definitions = buckets.isEmpty || rule != nil ? nil : try EditDistanceBuckets(parsing: buckets)
            let folder = try model.map { try PretrainedModel.open(URL(fileURLWithPath: $0)) }
            let tokenizer = folder?.tokenizer ?? ByteTokenizer()
            let pairs = try PairsLoader.load(path: file, maxContext: context ?? folder?.config.contextLength, tokenizer: tokenizer)
            print(PairsStatistics(pairs: pairs, buckets: definitions, tokenizer: tokenizer).report(barWidth: barWidth), terminator: "")
            var distribution: CHESDistribution?
            if let folder, !noChes, !pairs.isEmpty {
                let model = try folder.load(maxBatch: ScoreCommand.batch)
                distribution = CHESDistribution(model: model, pairs: pairs, tokenizer: tokenizer)
                print(distribution!.report(barWidth: barWidth), terminator: "")
            }
            if let rule, !pairs.isEmpty {
                print(try rule.sizeReport(values: CHESDistribution.values(rule.statistic, pairs: pairs, tokenizer: tokenizer, scored: distribution)),
                      terminator: "")
            }
        }
    }
}
