import DPOPExperiments
import DPOPTrainer
import Foundation

/// Which pair statistic predicts the change of log π(y_w) best, cell group by cell group: Spearman's ρ
/// between each statistic and the pairs' Δw (or Δl), averaged over seeds, with a percentile bootstrap
/// interval that resamples pairs within each seed, and the paired difference of |ρ| against edit distance.
public struct PredictorAnalysis: Sendable {
    /// What the analysis reads and how it resamples.
    public struct Options: Sendable {
        /// `eval` (held-out pairs, the default) or `train`.
        public var split: String = "eval"
        /// `delta_w` (the default) or `delta_l`.
        public var target: String = "delta_w"
        public var statistics: [PairStatistic] = PairStatistic.allCases
        public var resamples: Int = 1000
        public var seed: UInt64 = 0
        public var level: Double = 0.95
        public init() {}
    }

    /// One statistic in one group of cells (cells that differ only by seed).
    public struct Row: Sendable, Equatable {
        /// The group's grid values, seed left out.
        public var key: [String: String]
        public var statistic: PairStatistic
        /// Pairs summed over seeds, and seeds.
        public var pairs: Int
        public var seeds: Int
        /// Mean over seeds of ρ(statistic, target), and its bootstrap interval.
        public var rho: Double
        public var ciLow: Double
        public var ciHigh: Double
        /// Mean over seeds of |ρ| − |ρ(edit distance, target)|, paired on the same resamples; nil for edit distance itself.
        public var gainOverEditDistance: Double?
        public var gainCILow: Double?
        public var gainCIHigh: Double?
    }

    public var rows: [Row]
    /// Axes that tell the groups apart, in spec order.
    public var axes: [String]
    /// Completed cells left out (no `pairs.jsonl`, or too few pairs), for the user.
    public var notes: [String]
    public var options: Options

    /// Reads every completed cell's `runs/<id>/pairs.jsonl` under `results.root` and analyses the groups.
    public static func build(_ results: ExperimentResults, options: Options = Options()) throws -> PredictorAnalysis {
        guard ["eval", "train"].contains(options.split) else {
            throw ReportError.badOption(option: "--split", value: options.split, expected: "eval or train")
        }
        guard ["delta_w", "delta_l"].contains(options.target) else {
            throw ReportError.badOption(option: "--target", value: options.target, expected: "delta_w or delta_l")
        }
        var notes: [String] = []
        var groups: [[String: String]: [[PairRecord]]] = [:]
        var missing: [String] = []
        // Seeds in their grid order, not the runs' (cell-id) order: the bootstrap draws follow the seeds, so a
        // change of cell ids alone (a new config key) must not move the intervals.
        let seedOrder = results.axisOrder.first { $0.name == "seed" }?.values ?? []
        let completed = results.runs.filter { $0.status == .completed }.enumerated().sorted { a, b in
            let x = seedOrder.firstIndex(of: a.element.values["seed"] ?? "") ?? seedOrder.count
            let y = seedOrder.firstIndex(of: b.element.values["seed"] ?? "") ?? seedOrder.count
            return (x, a.offset) < (y, b.offset)
        }.map(\.element)
        for run in completed {
            let file = URL(fileURLWithPath: results.root).appendingPathComponent("runs/\(run.id)/pairs.jsonl")
            guard FileManager.default.fileExists(atPath: file.path) else { missing.append(run.id); continue }
            let records: [PairRecord]
            do { records = try PairRecord.read(file) } catch {
                throw ReportError.io(path: file.path, message: "\(error)")
            }
            var key = run.values
            key["seed"] = nil
            groups[key, default: []].append(records.filter { $0.split == options.split })
        }
        if !missing.isEmpty {
            notes.append("\(missing.count) completed cells have no pairs.jsonl (e.g. \(missing[0])): run them with train.pair_records: true")
        }
        guard !groups.isEmpty else {
            throw ReportError.noMatchingCells("completed cells with pairs.jsonl in \(results.root)")
        }
        let order = results.axisOrder.filter { $0.name != "seed" }
        let axes = order.map(\.name).filter { name in groups.keys.contains { $0[name] != nil } }
        func rank(_ key: [String: String]) -> [Int] {
            order.map { axis in key[axis.name].map { axis.values.firstIndex(of: $0) ?? axis.values.count } ?? -1 }
        }
        let sortedKeys = groups.keys.sorted { rank($0).lexicographicallyPrecedes(rank($1)) }
        var rows: [Row] = []
        var rng = SplitMix64(seed: options.seed)
        for key in sortedKeys {
            let seeds = groups[key]!.filter { $0.count >= 3 }
            if seeds.count < groups[key]!.count {
                notes.append("\(describe(key)): \(groups[key]!.count - seeds.count) cells with fewer than 3 \(options.split) pairs left out")
            }
            guard !seeds.isEmpty else { continue }
            rows += analyse(key: key, seeds: seeds, options: options, rng: &rng)
        }
        return PredictorAnalysis(rows: rows, axes: axes, notes: notes, options: options)
    }

    /// The rows of one group: point estimates on all pairs, intervals from `options.resamples` resamples.
    static func analyse(key: [String: String], seeds: [[PairRecord]], options: Options,
                        rng: inout SplitMix64) -> [Row] {
        let stats = options.statistics.contains(.editDistance) ? options.statistics : [.editDistance] + options.statistics
        let target: (PairRecord) -> Double = options.target == "delta_w" ? { $0.deltaW } : { $0.deltaL }
        let columns = seeds.map { records in (stats.map { s in records.map(s.value) }, records.map(target)) }
        func meanRho(_ pick: (Int) -> [Int]) -> [Double] {
            var sums = [Double](repeating: 0, count: stats.count)
            for (s, (xs, y)) in columns.enumerated() {
                let idx = pick(s)
                let yy = idx.map { y[$0] }
                for k in stats.indices {
                    // A constant statistic (e.g. one edit distance in a bucket) has no ranks to correlate: ρ = 0.
                    sums[k] += SpearmanCorrelation.rho(idx.map { xs[k][$0] }, yy) ?? 0
                }
            }
            return sums.map { $0 / Double(columns.count) }
        }
        let point = meanRho { Array(0..<columns[$0].1.count) }
        var draws = [[Double]](repeating: [], count: stats.count)
        var gains = [[Double]](repeating: [], count: stats.count)
        for _ in 0..<max(0, options.resamples) {
            let rho = meanRho { s in
                let n = columns[s].1.count
                return (0..<n).map { _ in Int(rng.next() % UInt64(n)) }
            }
            for k in stats.indices {
                draws[k].append(rho[k])
                gains[k].append(abs(rho[k]) - abs(rho[0]))
            }
        }
        let lo = (1 - options.level) / 2, hi = 1 - lo
        return stats.indices.compactMap { k in
            guard options.statistics.contains(stats[k]) else { return nil }
            let isBase = stats[k] == .editDistance
            return Row(key: key, statistic: stats[k], pairs: columns.reduce(0) { $0 + $1.1.count }, seeds: columns.count,
                       rho: point[k], ciLow: quantile(draws[k], lo) ?? point[k], ciHigh: quantile(draws[k], hi) ?? point[k],
                       gainOverEditDistance: isBase ? nil : abs(point[k]) - abs(point[0]),
                       gainCILow: isBase ? nil : quantile(gains[k], lo), gainCIHigh: isBase ? nil : quantile(gains[k], hi))
        }
    }

    /// The q-quantile of `values` by linear interpolation between order statistics; nil when empty.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = min(sorted.count - 1, below + 1)
        let fraction = position - Double(below)
        return sorted[below] + fraction * (sorted[above] - sorted[below])
    }

    static func describe(_ key: [String: String]) -> String {
        key.isEmpty ? "all cells" : key.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}
