import DPOPTrainer
import Foundation

/// Turns one combination of axis values into a validated `CellConfig`, reporting what is wrong at the value that caused it.
///
/// The rules are the trainer configs' own `validate()` (ranges, embedding vs heads, ε for `robust`, context
/// for the arith task, memory): their `SettingError` names the setting's key path, which picks the node to
/// report at. Checks of the spec's own (data source, buckets vs `normalised`) are made here.
struct CellBuilder {
    let document: SpecDocument
    let log: DiagnosticLog
    /// Absolute folder of the spec; `data.path` is relative to it.
    let specDirectory: String
    /// Settings some axis gives more than one value: when a check involves several settings, these are the likeliest culprits.
    private let varied: Set<String>
    /// Pretrained checkpoints opened and hashed once per folder, however many cells start from them.
    private let checkpoints = OpenedCheckpoints()

    init(document: SpecDocument, log: DiagnosticLog, specDirectory: String) {
        self.document = document
        self.log = log
        self.specDirectory = specDirectory
        varied = Set(document.factors.flatMap(\.axes).filter { $0.values.count > 1 }.map(\.key.path))
    }

    /// The shape settings a pretrained checkpoint's `config.json` gives instead of the spec.
    static let shapeKeys = ["model.layers", "model.heads", "model.embedding", "model.context"]

    /// What opening a checkpoint folder gave: its config and start record, or the error.
    private final class OpenedCheckpoints {
        var byPath: [String: Result<(GPTConfig, PretrainedStart), Error>] = [:]
        func open(_ path: String) -> Result<(GPTConfig, PretrainedStart), Error> {
            if let known = byPath[path] { return known }
            let result = Result { () throws -> (GPTConfig, PretrainedStart) in
                let model = try PretrainedModel.open(URL(fileURLWithPath: path))
                return (model.config, try PretrainedStart(model, path: path))
            }
            byPath[path] = result
            return result
        }
    }

    /// A built cell: the config for the runner and the one its id hashes (data path as written, not absolute).
    struct Built {
        var config: CellConfig
        var idConfig: CellConfig
    }

    /// Builds the cell whose axis settings are `assigned` (canonical path → value); nil after reporting if it is invalid.
    func build(_ assigned: [String: LocatedValue]) -> Built? {
        var ok = true
        func value(_ key: SpecKey) -> LocatedValue? { assigned[key.path] ?? document.base(key) }
        func key(_ path: String) -> SpecKey { SpecKey.axis(named: path)! }
        func int(_ path: String) -> Int { value(key(path))?.value.intValue ?? key(path).defaultValue?.intValue ?? 0 }
        func double(_ path: String) -> Double { value(key(path))?.value.doubleValue ?? key(path).defaultValue?.doubleValue ?? 0 }
        func string(_ path: String) -> String { value(key(path))?.value.stringValue ?? key(path).defaultValue?.stringValue ?? "" }
        func uint(_ path: String) -> UInt64 { value(key(path))?.value.uintValue ?? 0 }
        /// Where to report a problem involving `paths`: a value of an axis that varies (it is what differs between
        /// cells), then any axis value, then a written key.
        func blame(_ paths: [String], fallback: SpecPosition? = nil) -> SpecPosition {
            for p in paths where varied.contains(p) { if let at = assigned[p]?.position { return at } }
            for p in paths { if let at = assigned[p]?.position { return at } }
            for p in paths { if let at = document.settings[p]?.position { return at } }
            return fallback ?? document.rootPosition
        }
        func fail(_ message: String, at position: SpecPosition, hint: String? = nil) {
            ok = false
            log.error(message, at: position, hint: hint)
        }
        /// Reports a trainer config's validation error at the node of the setting it names (by key path).
        func check(fallback: SpecPosition? = nil, _ validate: () throws -> Void) {
            do { try validate() } catch DPOPError.invalidSetting(let e) {
                fail(e.message(naming: e.setting), at: blame(e.settings, fallback: fallback), hint: e.hint)
            } catch let error as DPOPError {
                fail(SpecReader.message(error), at: fallback ?? document.rootPosition)
            } catch {
                fail("\(error)", at: fallback ?? document.rootPosition)
            }
        }

        // Data source: the built-in task or a file, never both.
        let taskValue = value(key("data.task"))
        let pathValue = value(key("data.path"))
        var task: String? = taskValue?.value.stringValue
        var path: String?
        var idPath: String?
        switch (taskValue, pathValue) {
        case (_?, _?):
            fail("data.task and data.path are both set; a cell reads the built-in task or a file, not both",
                 at: blame(["data.path", "data.task"]), hint: "keep one of them")
        case (nil, let p?):
            idPath = p.value.stringValue
            path = idPath.map { SpecReader.resolve($0, in: specDirectory) }
        case (_, nil):
            if task == nil, !document.dataSourceWritten, let at = document.dataPosition {
                fail("data needs 'task: arith' (the built-in arithmetic pairs) or 'path: FILE' (a JSONL pairs file)", at: at)
            }
            task = task ?? "arith"
        }

        // Model: a pretrained checkpoint's shape, or the spec's sizes for a byte-level model.
        var pretrained: PretrainedStart?
        var idPretrained: PretrainedStart?
        var model = GPTConfig(vocabSize: ByteTokenizer.vocabularySize, contextLength: int("model.context"), layers: int("model.layers"),
                              heads: int("model.heads"), channels: int("model.embedding"))
        if let written = value(key("model.pretrained")), let text = written.value.stringValue {
            for path in Self.shapeKeys {
                if let at = assigned[path]?.position ?? document.settings[path]?.position {
                    fail("\(path) cannot be set together with model.pretrained: the checkpoint's config.json gives the model's shape",
                         at: at, hint: "remove \(path); the shape is read from \(text)/config.json")
                }
            }
            let resolved = SpecReader.resolve(text, in: specDirectory)
            switch checkpoints.open(resolved) {
            case .success(let (config, start)):
                model = config
                pretrained = start
                idPretrained = start
                idPretrained?.path = text
            case .failure(let error):
                fail("model.pretrained: \((error as? DPOPError).map(SpecReader.message) ?? "\(error)")", at: written.position ?? document.rootPosition)
            }
        } else {
            check { try model.validate() }
        }
        let context = model.contextLength
        // Arith-only fields start at their defaults and keep them for file-backed cells, so they cannot split those ids.
        func builtIn(_ path: String) -> SpecValue { key(path).defaultValue! }
        var data = ExperimentDataSpec(task: task, path: path, pairs: builtIn("data.pairs").intValue!,
                                      corruption: builtIn("data.corruption").stringValue!, steps: builtIn("data.steps").intValue!,
                                      maxNumber: builtIn("data.max_number").intValue!, seed: builtIn("data.seed").uintValue!,
                                      evalFraction: double("data.eval_fraction"), buckets: [])
        if task != nil {
            data.pairs = int("data.pairs")
            data.corruption = string("data.corruption")
            data.steps = int("data.steps")
            data.maxNumber = int("data.max_number")
            data.seed = uint("data.seed")
            // The reader has checked the corruption text already.
            let mix = (try? ArithCorruptionMix(parsing: data.corruption)) ?? ArithTaskConfig.Settings.corruption.defaultValue
            check(fallback: document.dataPosition) {
                try ArithTaskConfig(count: data.pairs, steps: data.steps...data.steps, maxNumber: data.maxNumber,
                                    corruption: mix, seed: data.seed, maxContext: context).validate()
            }
        } else {
            for k in SpecKey.all where k.arithOnly {
                if let at = assigned[k.path]?.position ?? document.settings[k.path]?.position {
                    fail("\(k.path) only applies to the built-in arith task, and this cell reads data.path", at: at,
                         hint: "remove it; a pairs file is used whole")
                }
            }
        }

        // Buckets: by edit distance on the scale `normalised` picks (the syntax and cell ids from before
        // `bucket_by`), or by any pair statistic, absolute or as quantiles of the training split.
        let statistic = PairStatistic(rawValue: string("data.bucket_by")) ?? .editDistance
        let quantile = value(key("data.quantile"))?.value.boolValue ?? false
        let normalisedFlag = value(key("data.normalised"))?.value.boolValue ?? false
        let bucketByAt = blame(["data.bucket_by"], fallback: document.dataPosition)
        if normalisedFlag, statistic != .editDistance || quantile {
            fail("data.normalised: true scales edit-distance buckets; with data.bucket_by: \(statistic.rawValue)"
                 + "\(quantile ? " and data.quantile: true" : "") it has no meaning", at: blame(["data.normalised"], fallback: bucketByAt),
                 hint: statistic == .editDistance || statistic == .normalisedEditDistance
                    ? "remove data.normalised and set data.bucket_by: normalised_edit_distance" : "remove data.normalised")
        }
        if document.buckets.isEmpty, statistic != .editDistance || quantile {
            fail("data.bucket_by / data.quantile are set but data.buckets defines no buckets",
                 at: blame(["data.bucket_by", "data.quantile"], fallback: bucketByAt),
                 hint: quantile ? "add buckets like {low: [0, 0.5], high: [0.5, 1]}" : "add data.buckets, or remove data.bucket_by")
        }
        if (statistic == .editDistance && !quantile) || (statistic == .normalisedEditDistance && !quantile && !normalisedFlag) {
            let normalised = normalisedFlag || statistic == .normalisedEditDistance
            var parsed: [EditDistanceBuckets.Bucket] = []
            for def in document.buckets {
                let bucket = EditDistanceBuckets.Bucket(name: def.name, lo: def.lo, hi: def.hi,
                                                        scale: normalised ? .normalised : .absolute)
                func f(_ x: Double) -> String {
                    x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : SpecValue.double(x).description
                }
                if def.lo < 0 || !def.lo.isFinite {
                    fail("lower bound of bucket '\(def.name)' must be a finite number >= 0 for edit distances, got \(f(def.lo))",
                         at: def.loPosition, hint: "bounds below 0 are for data.bucket_by: ches or ches_normalised")
                } else if def.hi < 0 {
                    fail("upper bound of bucket '\(def.name)' must be a number >= 0 for edit distances, got \(f(def.hi))", at: def.hiPosition)
                } else if def.lo > def.hi {
                    fail("bucket '\(def.name)': lower bound \(f(def.lo)) is above upper bound \(f(def.hi))", at: def.position)
                } else if !normalised, def.lo != def.lo.rounded() || (def.hi.isFinite && def.hi != def.hi.rounded()) {
                    fail("bucket '\(def.name)': bounds of absolute edit distance are whole numbers of tokens, got [\(f(def.lo)), \(f(def.hi))]",
                         at: def.position, hint: "set data.bucket_by: normalised_edit_distance for distances divided by the longer completion's length")
                } else if normalised, def.lo > 1 || (def.hi.isFinite && def.hi > 1) {
                    fail("bucket '\(def.name)': normalised edit distances lie in [0, 1], got [\(f(def.lo)), \(f(def.hi))]",
                         at: def.position, hint: "data.normalised: true makes every bucket normalised")
                } else {
                    do {
                        parsed.append(try EditDistanceBuckets.Bucket.parse(bucket.description))
                    } catch let error as DPOPError {
                        fail(SpecReader.message(error), at: def.position)
                    } catch {}
                }
            }
            do {
                _ = try EditDistanceBuckets(parsed)
            } catch let error as DPOPError {
                // The message quotes the clashing buckets; point at the later one, where the clash shows.
                let message = SpecReader.message(error)
                let culprit = document.buckets.last { def in parsed.contains { $0.name == def.name && message.contains("'\($0)'") } }
                fail(message, at: blame(["data.normalised"], fallback: culprit?.position ?? document.bucketsPosition))
            } catch {}
            data.buckets = parsed.map(\.description)
        } else {
            // Each bucket alone first (bounds the statistic or quantiles cannot have, at the bound), then together (overlaps).
            var parsed: [StatisticBuckets.Bucket] = []
            for def in document.buckets {
                let bucket = StatisticBuckets.Bucket(name: def.name, lo: def.lo, hi: def.hi)
                do {
                    _ = try StatisticBuckets(statistic: statistic, quantile: quantile, buckets: [bucket])
                    parsed.append(bucket)
                } catch let error as DPOPError {
                    let at = quantile && (def.lo < 0 || def.lo > 1) ? def.loPosition
                        : quantile && (def.hi < 0 || def.hi > 1) ? def.hiPosition : def.position
                    fail(SpecReader.message(error), at: at,
                         hint: quantile ? "quantile bounds are shares of the training pairs, like [0, 0.5] and [0.5, 1]"
                            : "`dpop data stats FILE\(statistic.needsModel ? " --model DIR" : "")` shows the statistic's range")
                } catch {}
            }
            do {
                _ = try StatisticBuckets(statistic: statistic, quantile: quantile, buckets: parsed)
            } catch let error as DPOPError {
                let message = SpecReader.message(error)
                let culprit = document.buckets.last { def in parsed.contains { $0.name == def.name && message.contains("'\($0)'") } }
                fail(message, at: culprit?.position ?? document.bucketsPosition ?? bucketByAt)
            } catch {}
            data.buckets = parsed.map(\.description)
            data.bucketBy = statistic == .editDistance ? nil : statistic.rawValue
            data.quantile = quantile ? true : nil
        }

        // Training stages; the cell seed drives SFT initialisation and both stages' order, unless
        // `sft.seed` fixes the reference's (and the split's) alone.
        let seed = value(SpecKey.seed)?.value.uintValue ?? 0
        let referenceSeed = value(key("sft.seed"))?.value.uintValue ?? seed
        let sft = SFTConfig(steps: int("sft.steps"), batch: int("sft.batch"), lr: Float(double("sft.lr")),
                            warmupSteps: int("sft.warmup"),
                            decay: LearningRateSchedule.Decay(rawValue: string("sft.decay")) ?? SFTConfig.Settings.decay.defaultValue, seed: referenceSeed,
                            adamw: AdamWConfig(weightDecay: Float(double("sft.weight_decay"))),
                            problems: value(key("sft.problems"))?.value.intValue,
                            pack: value(key(SFTConfig.Settings.pack.key))?.value.boolValue ?? SFTConfig.Settings.pack.defaultValue)
        let train = PreferenceTrainConfig(steps: int("train.steps"), batch: int("train.batch"), lr: Float(double("train.lr")),
                                          warmupSteps: int("train.warmup"),
                                          decay: LearningRateSchedule.Decay(rawValue: string("train.decay")) ?? PreferenceTrainConfig.Settings.decay.defaultValue,
                                          evalEvery: int("train.eval_every"), seed: seed,
                                          adamw: AdamWConfig(weightDecay: Float(double("train.weight_decay"))),
                                          taskEvalPairs: int("train.task_eval_pairs"),
                                          profileRadius: int("train.profile_radius"),
                                          entanglementPairs: int("train.entanglement_pairs"),
                                          pairRecords: value(key("train.pair_records"))?.value.boolValue ?? false,
                                          shareTrunk: value(key(PreferenceTrainConfig.Settings.shareTrunk.key))?.value.boolValue
                                              ?? PreferenceTrainConfig.Settings.shareTrunk.defaultValue)

        // Loss.
        // The reader stored a checked loss or combination label, so it parses.
        let terms = (try? PreferenceLossTerm.parse(string("loss.type"))) ?? [PreferenceLossTerm(PreferenceLossConfig.Settings.kind.defaultValue)]
        let kind = terms[0].kind
        var loss = PreferenceLossConfig(kind: kind, beta: double("loss.beta"), lambda: double("loss.lambda"),
                                        placement: DPOPPlacement(rawValue: string("loss.placement")) ?? .inside,
                                        epsilon: double("loss.epsilon"), gamma: double("loss.gamma"), alpha: double("loss.alpha"),
                                        tau: double("loss.tau"), shift: double("loss.shift"),
                                        fDivergence: FDivergence(rawValue: string("loss.f_divergence")) ?? .reverseKL,
                                        fAlphaDivergenceCoef: double("loss.f_alpha_divergence_coef"),
                                        ldAlpha: double("loss.ld_alpha"),
                                        shiftEnd: value(key("loss.shift_end"))?.value.doubleValue)
        loss.setMembers(terms)
        check { try loss.validate() }
        // Parameters the loss ignores take the built-in defaults, so e.g. λ never splits dpo cells.
        let used = loss.usedParameters
        let defaults = PreferenceLossConfig(kind: kind)
        if !used.contains(.beta) { loss.beta = defaults.beta }
        if !used.contains(.lambda) { loss.lambda = defaults.lambda }
        if !used.contains(.placement) { loss.placement = defaults.placement }
        if !used.contains(.epsilon) { loss.epsilon = defaults.epsilon }
        if !used.contains(.gamma) { loss.gamma = defaults.gamma }
        if !used.contains(.alpha) { loss.alpha = defaults.alpha }
        if !used.contains(.tau) { loss.tau = defaults.tau }
        if !used.contains(.shift) { loss.shift = defaults.shift }
        if !used.contains(.shiftEnd) { loss.shiftEnd = nil }
        if !used.contains(.fDivergence) { loss.fDivergence = defaults.fDivergence }
        if !used.contains(.fAlphaDivergenceCoef) { loss.fAlphaDivergenceCoef = defaults.fAlphaDivergenceCoef }
        // In range but not finite where every run starts (e.g. ipo's 1/(2β) squared for a tiny β): every
        // cell would fail at its first step, so refuse it here.
        if ok, let what = Self.nonFiniteStart(loss) {
            fail("loss \(loss.name) is \(what) at the first step with these parameters, so every run would stop there",
                 at: blame(PreferenceLossParameter.allCases.filter(used.contains).map { "loss.\($0.rawValue)" } + ["loss.type"]),
                 hint: "use values nearer the defaults (`dpop train --help` lists them)")
        }

        guard ok else { return nil }
        let bucket = assigned[SpecKey.bucket.path]?.value.stringValue
        let config = CellConfig(data: data, model: model, sft: sft, train: train, loss: loss, bucket: bucket, seed: seed,
                                pretrained: pretrained)
        // The rest of the run's rules, memory first: a cell that cannot fit is refused here, not in every run.
        check { try config.runConfig.validate(pairs: task != nil ? data.pairs : nil) }
        guard ok else { return nil }
        var idConfig = config
        idConfig.data.path = idPath
        idConfig.pretrained = idPretrained
        return Built(config: config, idConfig: idConfig)
    }

    /// What is not finite (the loss, a gradient) at the start of training — policy equal to the reference —
    /// and one small step from it; nil when all is finite.
    static func nonFiniteStart(_ loss: PreferenceLossConfig) -> String? {
        let start = PairLogProbs(pc: -20, pr: -20, rc: -20, rr: -20, nc: 10, nr: 10)
        let moved = PairLogProbs(pc: -20.5, pr: -19.5, rc: -20, rr: -20, nc: 10, nr: 10)
        let (value, grads) = loss.lossAndGradients([start, moved])
        if !value.isFinite { return "\(value)" }
        if grads.contains(where: { !$0.dpc.isFinite || !$0.dpr.isFinite }) { return "finite but its gradient is not" }
        return nil
    }
}
