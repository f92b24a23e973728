import DPOPTrainer
import Foundation

/// The checks of `dpop validate` that need the pairs themselves: the data loads (a file parses, every pair
/// fits the context), every cell's split leaves training and eval pairs, and every cell's bucket holds
/// some of each. Without them such a spec validates and then fails every cell it affects.
///
/// The built-in arith data is generated (seconds at most) and a `data.path` file is read, once per data
/// section; each (eval fraction, seed, bucket) combination is then split as the runner splits it.
struct SpecDataCheck {
    let document: SpecDocument
    let log: DiagnosticLog

    func check(_ cells: [GridCell]) {
        /// A data section's pairs and each pair's (edit distance, normalised), computed once.
        struct Loaded {
            var pairs: [PreferencePair]
            var distances: [PreferencePair: (Int, Double)]
        }
        /// A data section read by one tokenizer (its SHA-256; nil for bytes): pretrained cells count their model's tokens.
        struct Source: Hashable {
            var data: ExperimentDataSpec
            var tokenizer: String?
        }
        var loaded: [Source: Loaded?] = [:]
        var splits: [String: (train: [PreferencePair], eval: [PreferencePair])] = [:]
        var checked: Set<String> = []
        for cell in cells {
            let c = cell.config
            var source = c.data
            source.evalFraction = 0
            source.buckets = []
            source.bucketBy = nil
            source.quantile = nil
            let sourceKey = Source(data: source, tokenizer: c.pretrained.map { $0.tokenizerSHA256 ?? $0.checkpointSHA256 })
            let data: Loaded
            if let known = loaded[sourceKey] {
                guard let known else { continue }
                data = known
            } else {
                do {
                    let tokenizer = try c.pretrained.map { try PretrainedModel.open(URL(fileURLWithPath: $0.path)).tokenizer } ?? ByteTokenizer()
                    let pairs = try DatasetLoader.load(c.data, context: c.model.contextLength, tokenizer: tokenizer).0
                    var distances: [PreferencePair: (Int, Double)] = [:]
                    for p in pairs {
                        let (_, chosen, rejected) = p.tokens(tokenizer)
                        let d = EditDistance.levenshtein(chosen, rejected)
                        distances[p] = (d, EditDistance.normalise(d, chosen.count, rejected.count))
                    }
                    data = Loaded(pairs: pairs, distances: distances)
                    loaded[sourceKey] = data
                } catch {
                    loaded[sourceKey] = .some(nil)
                    let message = (error as? DPOPError).map(SpecReader.message) ?? "\(error)"
                    log.error("the data does not load: \(message)", at: at("data.path", "data.task") ?? document.dataPosition ?? document.rootPosition)
                    continue
                }
            }
            // The runner splits with the reference's seed (`sft.seed`, else the cell seed).
            let splitSeed = c.sft.seed
            let splitKey = "\(sourceKey)|\(c.data.evalFraction)|\(splitSeed)"
            guard checked.insert(splitKey + "|\(c.bucket ?? "")|\(c.data.buckets)|\(c.data.bucketBy ?? "")|\(c.data.quantile ?? false)").inserted else { continue }
            let split = splits[splitKey] ?? data.pairs.split(evalFraction: c.data.evalFraction, seed: splitSeed)
            splits[splitKey] = split
            let (train, eval) = split
            if train.isEmpty || eval.isEmpty {
                log.error("data.eval_fraction \(SpecValue.double(c.data.evalFraction)) leaves \(train.count) training and \(eval.count) eval pairs "
                          + "of \(data.pairs.count) (split with seed \(splitSeed)); every cell with it would fail",
                          at: at("data.eval_fraction") ?? document.dataPosition ?? document.rootPosition,
                          hint: eval.isEmpty ? "raise data.eval_fraction, or use more pairs" : "lower data.eval_fraction")
                continue
            }
            guard let name = c.bucket else { continue }
            let runConfig = c.runConfig
            // `all` names every pair unless a bucket is called so.
            let defined = (try? runConfig.editDistanceBuckets())?.buckets.map(\.name)
                ?? (try? runConfig.statisticBuckets())?.buckets.map(\.name) ?? []
            if name == PreferenceRunConfig.allPairsBucket && !defined.contains(name) { continue }
            let inBucket: (PreferencePair) -> Bool
            var cutPoints = ""
            if let buckets = try? runConfig.editDistanceBuckets() {
                inBucket = { p in
                    guard let (d, normalised) = data.distances[p] else { return false }
                    return buckets.bucket(for: d, normalised: normalised) == name
                }
            } else if let buckets = try? runConfig.statisticBuckets() {
                // CHES needs the cell's reference, trained only when the cell runs: its buckets are sized
                // there, and an empty one stops the cell with its bounds and cut points.
                guard !buckets.statistic.needsModel else { continue }
                func value(_ p: PreferencePair) -> Double {
                    guard let (d, normalised) = data.distances[p] else { return .nan }
                    return buckets.statistic == .editDistance ? Double(d) : normalised
                }
                guard let resolved = try? buckets.resolve(training: train.map(value)) else { continue }
                if buckets.quantile, let b = buckets.buckets.first(where: { $0.name == name }), let range = resolved.range(of: name) {
                    cutPoints = " (\(buckets.statistic.rawValue) quantiles \(b), cut on \(train.count) training pairs at \(range))"
                }
                inBucket = { resolved.bucket(for: value($0)) == name }
            } else {
                continue
            }
            let trainCount = train.filter(inBucket).count, evalCount = eval.filter(inBucket).count
            if trainCount == 0 || evalCount == 0 {
                log.error("bucket '\(name)'\(cutPoints) holds \(trainCount) training and \(evalCount) eval pairs (split with seed \(splitSeed)); "
                          + "a cell needs both", at: bucketPosition(name),
                          hint: "widen its range in data.buckets or use more pairs; `dpop data stats` shows the edit distances")
            }
        }
    }

    /// Where the spec writes the first of `paths` that it writes (a section key, else a grid value).
    private func at(_ paths: String...) -> SpecPosition? {
        for p in paths {
            if let at = document.settings[p]?.position { return at }
            if let at = document.factors.flatMap(\.axes).first(where: { $0.key.path == p })?.values.first?.position { return at }
        }
        return nil
    }

    /// The bucket axis value naming `name`, else its definition.
    private func bucketPosition(_ name: String) -> SpecPosition {
        let axisValue = document.factors.flatMap(\.axes).filter { $0.key.path == SpecKey.bucket.path }
            .flatMap(\.values).first { $0.value.stringValue == name }
        return axisValue?.position ?? document.buckets.first { $0.name == name }?.position ?? document.rootPosition
    }
}
