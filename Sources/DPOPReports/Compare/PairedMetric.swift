/// One metric of a comparison group: treatment − baseline per seed pair, its mean and 95% CI, and the win rate.
public struct PairedMetric: Sendable {
    /// One seed's values on both sides.
    public struct Pair: Equatable, Sendable {
        public var seed: String?
        public var baseline: Double
        public var treatment: Double
        public var difference: Double { treatment - baseline }
    }

    public let metric: Metric
    /// Pairs where both cells have the metric, in seed order.
    public let pairs: [Pair]
    /// Summary of the differences (treatment − baseline); nil without pairs.
    public let difference: SampleSummary?
    /// Pairs where the treatment is strictly better in the metric's direction.
    public let wins: Int

    public init(metric: Metric, pairs: [Pair]) {
        self.metric = metric
        self.pairs = pairs
        self.difference = SampleSummary(pairs.map(\.difference))
        self.wins = pairs.filter { metric.isBetter($0.treatment, than: $0.baseline) }.count
    }

    /// Share of pairs the treatment wins; nil without pairs.
    public var winRate: Double? { pairs.isEmpty ? nil : Double(wins) / Double(pairs.count) }

    public var baselineMean: Double? { pairs.isEmpty ? nil : pairs.map(\.baseline).reduce(0, +) / Double(pairs.count) }
    public var treatmentMean: Double? { pairs.isEmpty ? nil : pairs.map(\.treatment).reduce(0, +) / Double(pairs.count) }
}
