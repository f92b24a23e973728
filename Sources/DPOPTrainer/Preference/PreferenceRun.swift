import Foundation

/// One preference run end to end: split, SFT reference, reference log-probs, preference training,
/// metrics; optionally written to a directory (`metrics.jsonl`, `summary.json`, `policy/`, `reference/`).
public final class PreferenceRun {
    public let config: PreferenceRunConfig
    public let pairs: [PreferencePair]
    public let answerCheck: ((PreferencePair, String) -> Bool?)?
    /// Progress messages (stage changes, SFT losses).
    public var log: (String) -> Void = { _ in }
    /// Per-step progress of the preference stage.
    public var onStep: (PreferenceStepReport) -> Void = { _ in }
    /// Called after every evaluation.
    public var onEval: (EvalRecord) -> Void = { _ in }
    /// Reference log-probs of `pairs` (same order) computed earlier, e.g. read from a cache; when nil
    /// they are computed from the reference model.
    public var referenceScores: ReferenceScores?
    /// Problems whose chosen answers the SFT reference learns instead of the training split's
    /// (`sft.problems`); any whose prompt is an eval prompt is left out, so task accuracy is held out.
    public var sftProblems: [PreferencePair]?
    /// Asked before every training step (SFT and preference); a signal number stops the run.
    public var stopRequested: () -> Int32? = { Interruption.requested }
    /// The pretrained model the SFT reference starts from (and whose tokenizer reads the pairs); nil for
    /// a byte-level model initialised from scratch.
    public let start: PretrainedModel?
    /// The model's tokenizer: the start's, or the byte tokenizer.
    public var tokenizer: any Tokenizer { start?.tokenizer ?? ByteTokenizer() }

    /// What `run` writes besides `metrics.jsonl`.
    public struct Outputs: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `summary.json`: the configuration and the first and final eval records.
        public static let summary = Outputs(rawValue: 1)
        /// `policy/` and `reference/` checkpoints.
        public static let checkpoints = Outputs(rawValue: 2)
    }

    /// `start`'s shape must be `config.model` (the caller reads it from the checkpoint).
    public init(config: PreferenceRunConfig, pairs: [PreferencePair],
                answerCheck: ((PreferencePair, String) -> Bool?)? = nil, start: PretrainedModel? = nil) {
        precondition(start == nil || start!.config == config.model, "the run's model shape is the pretrained checkpoint's")
        self.config = config
        self.pairs = pairs
        self.answerCheck = answerCheck
        self.start = start
    }

    /// The train and eval pairs of the run's split, tokenized and bucketed, each checked against the context.
    /// Buckets of any other statistic (`config.bucketBy`, quantiles) are assigned later, by `assignBuckets`.
    public func split() throws -> (train: [PreparedPair], eval: [PreparedPair]) {
        let buckets = try config.editDistanceBuckets()
        let (trainPairs, evalPairs) = pairs.split(evalFraction: config.evalFraction, seed: config.splitSeed)
        let tokenizer = self.tokenizer
        let train = trainPairs.map { PreparedPair($0, buckets: buckets, tokenizer: tokenizer) }
        let eval = evalPairs.map { PreparedPair($0, buckets: buckets, tokenizer: tokenizer) }
        for p in train + eval where p.chosen.positions > config.model.contextLength || p.rejected.positions > config.model.contextLength {
            throw DPOPError.usage("a pair is \(max(p.chosen.tokens.count, p.rejected.tokens.count)) tokens long, over the model's context of \(config.model.contextLength)")
        }
        return (train, eval)
    }

    /// The sequences the SFT stage learns: prompt + chosen of `sftProblems` minus eval prompts, else
    /// of the training split.
    public func sftSequences() throws -> [TrainingSequence] {
        let (train, eval) = try split()
        guard let sftProblems else { return train.map(\.chosen) }
        let evalPrompts = Set(eval.map(\.pair.prompt))
        let kept = sftProblems.filter { !evalPrompts.contains($0.prompt) }
        log("sft: \(kept.count) fresh problems (\(sftProblems.count - kept.count) left out: their prompt is an eval prompt)")
        let tokenizer = self.tokenizer
        let sequences = kept.map { PreparedPair($0, buckets: nil, tokenizer: tokenizer).chosen }
        if let long = sequences.first(where: { $0.positions > config.model.contextLength }) {
            throw DPOPError.usage("an SFT problem is \(long.tokens.count) tokens long, over the model's context of \(config.model.contextLength)")
        }
        return sequences
    }

    /// Trains the SFT reference on `sftSequences()` (from `start` when given, else from GPT-2
    /// initialisation); returns it.
    public func trainReference() throws -> GPTModel {
        let train = try sftSequences()
        // Scoring works with any arena, so the SFT batch sizes it; the arena itself grows only to
        // the batches actually run (min(batch, sequences)).
        let rows = max(1, min(config.sft.batch, train.count))
        let reference: GPTModel
        // Packed SFT rows (`sft.pack`) hold sequences back to back up to twice the context.
        let maxRow = config.sft.pack ? 2 * config.model.contextLength : nil
        if let start {
            reference = try start.load(maxBatch: rows, maxRow: maxRow)
        } else {
            reference = try GPTModel(config: config.model, maxBatch: rows, maxSequence: config.model.contextLength, maxRow: maxRow)
            reference.initializeGPT2(seed: config.sft.seed)
        }
        let trainer = SFTTrainer(model: reference, config: config.sft)
        trainer.stopRequested = stopRequested
        let steps = config.sft.steps
        try trainer.train(train) { r in
            if r.step == 0 || (r.step + 1) % max(1, steps / 10) == 0 || r.step + 1 == steps {
                self.log(String(format: "sft step %d/%d  loss %.4f", r.step + 1, steps, r.loss))
            }
        }
        return reference
    }

    /// Fills the pairs' reference log-probs as separate sequences score them: from `referenceScores` (the cache)
    /// when they cover the pairs, else scored now; and LD-DPO's tails.
    private func attachSeparateReference(_ reference: GPTModel, train: inout [PreparedPair], eval: inout [PreparedPair]) {
        if let scores = referenceScores, scores.chosen.count == pairs.count {
            var index: [PreferencePair: Int] = [:]
            for (i, p) in pairs.enumerated() { index[p] = i }
            func attach(_ list: inout [PreparedPair]) {
                for k in list.indices {
                    let i = index[list[k].pair]!
                    list[k].referenceChosen = scores.chosen[i]
                    list[k].referenceRejected = scores.rejected[i]
                    list[k].referenceChosenTokens = scores.chosenTokens[i]
                    if let rejected = scores.rejectedTokens { list[k].referenceRejectedTokens = rejected[i] }
                }
            }
            attach(&train)
            attach(&eval)
            if scores.rejectedTokens == nil { SequenceScorer.attachReferenceRejectedTokens(reference, to: &eval) }
        } else {
            SequenceScorer.attachReference(reference, to: &train, keepTokens: false)
            SequenceScorer.attachReference(reference, to: &eval, keepTokens: true)
        }
        if config.loss.weighsTails {
            SequenceScorer.attachReferenceTails(reference, to: &train)
            SequenceScorer.attachReferenceTails(reference, to: &eval)
        }
    }

    /// Runs both stages and returns the eval records; writes `metrics.jsonl` and `outputs` into
    /// `outDirectory` when given. A `reference` given replaces the SFT stage.
    @discardableResult
    public func run(outDirectory: URL? = nil, outputs: Outputs = [.summary, .checkpoints], reference given: GPTModel? = nil) throws -> [EvalRecord] {
        try config.validate(pairs: pairs.count, sftStage: given == nil)
        let buckets = try config.editDistanceBuckets()
        let statisticBuckets = try config.statisticBuckets()
        var (train, eval) = try split()
        guard !train.isEmpty, !eval.isEmpty else {
            throw DPOPError.usage("the split left \(train.count) training and \(eval.count) eval pairs; use more pairs or another eval fraction")
        }
        log("data: \(train.count) train / \(eval.count) eval pairs")

        let reference: GPTModel
        if let given {
            reference = given
        } else {
            log("stage 1: SFT reference (\(config.sft.steps) steps)")
            reference = try trainReference()
        }
        // Reference log-probs once, before the loop; the reference never runs inside it. Shared-trunk runs score
        // them later in their own layout, after the bucket filter (below), so the separate path's are not needed.
        if !config.train.shareTrunk { attachSeparateReference(reference, train: &train, eval: &eval) }

        var bucketNames = buckets?.buckets.map(\.name) ?? statisticBuckets?.buckets.map(\.name) ?? []
        var resolved: StatisticBuckets.Resolved?
        if let statisticBuckets {
            resolved = try Self.assignBuckets(statisticBuckets, reference: reference, train: &train, eval: &eval, log: log)
        }
        // `all` (unless a bucket has that name) trains on every pair and keeps the per-bucket metrics:
        // the mixed set beside the buckets of one grid axis.
        if let only = config.trainBucket, !(only == PreferenceRunConfig.allPairsBucket && !bucketNames.contains(only)) {
            guard bucketNames.contains(only) else {
                throw DPOPError.usage("train bucket '\(only)' is not among the defined buckets \(bucketNames)")
            }
            let trainCount = train.count
            train = train.filter { $0.bucket == only }
            eval = eval.filter { $0.bucket == only }
            bucketNames = [only]
            guard !train.isEmpty, !eval.isEmpty else {
                var bounds = buckets?.buckets.first { $0.name == only }.map { " (\($0))" } ?? ""
                if let statisticBuckets, let b = statisticBuckets.buckets.first(where: { $0.name == only }), let range = resolved?.range(of: only) {
                    bounds = " (\(statisticBuckets.statistic.rawValue) \(statisticBuckets.quantile ? "quantiles " : "")\(b.description)"
                        + (statisticBuckets.quantile ? ", cut on \(trainCount) training pairs at \(range))" : ")")
                }
                throw DPOPError.usage("bucket '\(only)'\(bounds) holds \(train.count) training and \(eval.count) eval pairs; it needs both"
                    + " — widen its bounds, use more pairs, or check the statistic's distribution with `dpop data stats`"
                    + (statisticBuckets?.statistic.needsModel == true ? " --model" : ""))
            }
            log("bucket \(only): \(train.count) train / \(eval.count) eval pairs")
        }

        let policy = try GPTModel(config: config.model, maxBatch: 2 * max(1, min(config.train.batch, train.count)),
                                  maxSequence: config.model.contextLength,
                                  maxRow: config.train.shareTrunk ? 2 * config.model.contextLength : nil)
        policy.copyParameters(from: reference)
        if config.train.shareTrunk {
            // The step and the evaluation run shared-trunk rows: the pairs' reference log-probs must come from the
            // same layout and row limit (a cache holds the separate path's), so the policy, still equal to the
            // reference, scores them (the eval pairs with their per-token log-probs, for the profile).
            SequenceScorer.attachReferenceShared(policy, to: &train, tails: config.loss.weighsTails)
            SequenceScorer.attachReferenceShared(policy, to: &eval, tails: config.loss.weighsTails, keepTokens: true)
        }
        var evaluator = PreferenceEvaluator(pairs: eval, loss: config.loss, bucketNames: bucketNames,
                                            answerCheck: answerCheck, taskPairs: config.train.taskEvalPairs, tokenizer: tokenizer,
                                            profileRadius: config.train.profileRadius, entanglementPairs: config.train.entanglementPairs,
                                            shareTrunk: config.train.shareTrunk)
        evaluator.log = log
        var metricsFile: FileWrite.Appender?
        if let outDirectory {
            try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)
            metricsFile = try FileWrite.Appender(outDirectory.appendingPathComponent("metrics.jsonl"), truncate: true)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        log("stage 2: \(config.loss.name) for \(config.train.steps) steps")
        let trainer = PreferenceTrainer(policy: policy, loss: config.loss, config: config.train)
        trainer.stopRequested = stopRequested
        let records = try trainer.train(train, evaluator: evaluator, onEval: { record in
            if let metricsFile {
                var line = try encoder.encode(record)
                line.append(0x0A)
                try metricsFile.write(line)
            }
            self.onEval(record)
        }, onStep: onStep)
        try metricsFile?.close()
        if let outDirectory, config.train.pairRecords {
            let started = Date()
            let rows = PairRecord.make(split: "train", pairs: train, reference: reference, policy: policy, shareTrunk: config.train.shareTrunk)
                + PairRecord.make(split: "eval", pairs: eval, reference: reference, policy: policy, shareTrunk: config.train.shareTrunk)
            try PairRecord.write(rows, to: outDirectory.appendingPathComponent("pairs.jsonl"))
            log(String(format: "pairs.jsonl: %d pair records (CHES and final log-probs) in %.1f s", rows.count, Date().timeIntervalSince(started)))
        }

        if let outDirectory, outputs.contains(.summary) {
            let summary = RunSummary(config: config, trainPairs: train.count, evalPairs: eval.count,
                                     final: records.last!, initial: records.first!)
            let pretty = JSONEncoder()
            pretty.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try AtomicFile.write(try pretty.encode(summary), to: outDirectory.appendingPathComponent("summary.json"))
        }
        if let outDirectory, outputs.contains(.checkpoints) {
            try GPT2Checkpoint.save(policy, to: outDirectory.appendingPathComponent("policy"),
                                    extraConfig: ["dpop": ["stage": "policy", "loss": config.loss.name]], basedOn: start?.directory)
            try GPT2Checkpoint.save(reference, to: outDirectory.appendingPathComponent("reference"),
                                    extraConfig: ["dpop": ["stage": "reference"]], basedOn: start?.directory)
        }
        return records
    }
}

extension PreferenceRun {
    /// Sets each pair's `bucket` from `buckets`' statistic, computed once per pair (CHES: one forward pass of
    /// `reference` over the training and eval pairs, logged with its count and time); quantile cut points come
    /// from the training pairs alone and apply to both. Returns the resolved value ranges.
    public static func assignBuckets(_ buckets: StatisticBuckets, reference: GPTModel, train: inout [PreparedPair],
                                     eval: inout [PreparedPair], log: (String) -> Void = { _ in }) throws -> StatisticBuckets.Resolved {
        let statistic = buckets.statistic
        var ches: [PairCHES]?
        if statistic.needsModel {
            let start = Date()
            ches = CHESScorer.score(reference, train + eval)
            log(String(format: "buckets: CHES of %d pairs under the reference in %.2f s", train.count + eval.count, Date().timeIntervalSince(start)))
        }
        let trainValues = train.indices.map { statistic.value(train[$0], ches: ches?[$0]) }
        let evalValues = eval.indices.map { statistic.value(eval[$0], ches: ches?[train.count + $0]) }
        let resolved = try buckets.resolve(training: trainValues)
        for i in train.indices {
            train[i].bucket = resolved.bucket(for: trainValues[i])
            train[i].ches = ches?[i]
        }
        for i in eval.indices {
            eval[i].bucket = resolved.bucket(for: evalValues[i])
            eval[i].ches = ches?[train.count + i]
        }
        log("buckets by \(statistic.rawValue)\(buckets.quantile ? " (quantiles of \(train.count) training pairs)" : ""): \(resolved)")
        return resolved
    }
}

/// Reference-model log-probs of a list of pairs, in its order: what a reference cache stores.
public struct ReferenceScores: Codable, Equatable, Sendable {
    public var chosen: [Double]
    public var rejected: [Double]
    /// Per-token log-probs of each chosen completion (its tokens and end-of-text).
    public var chosenTokens: [[Float]]
    /// The same for each rejected completion (the displacement profile's); nil in caches written before it.
    public var rejectedTokens: [[Float]]?

    public init(chosen: [Double], rejected: [Double], chosenTokens: [[Float]], rejectedTokens: [[Float]]? = nil) {
        self.chosen = chosen
        self.rejected = rejected
        self.chosenTokens = chosenTokens
        self.rejectedTokens = rejectedTokens
    }

    /// Scores every pair with `reference`, tokenized by its `tokenizer`.
    public static func compute(reference: GPTModel, pairs: [PreferencePair], tokenizer: any Tokenizer = ByteTokenizer()) -> ReferenceScores {
        let prepared = pairs.map { PreparedPair($0, buckets: nil, tokenizer: tokenizer) }
        let c = SequenceScorer.score(reference, prepared.map(\.chosen), keepTokens: true)
        let r = SequenceScorer.score(reference, prepared.map(\.rejected), keepTokens: true)
        return ReferenceScores(chosen: c.sums, rejected: r.sums, chosenTokens: c.tokens, rejectedTokens: r.tokens)
    }
}

/// `summary.json`: the configuration and the first and final eval records.
public struct RunSummary: Codable, Sendable {
    public var config: PreferenceRunConfig
    public var trainPairs: Int
    public var evalPairs: Int
    public var final: EvalRecord
    public var initial: EvalRecord
}
