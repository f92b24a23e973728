/// One metric of the eval records: its name as TRL spells it, a short label, unit, the direction in
/// which it is better, and where `PreferenceMetrics` holds it. `MetricDescriptor.all` is the one table
/// every part reads: the JSON keys of `metrics.jsonl`, tables, comparisons and plots.
public struct MetricDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// Which way a metric's values are the better outcome.
    public enum Direction: String, Sendable {
        case higher, lower
        /// The magnitude matters, not the sign.
        case closerToZero

        /// `↑`, `↓` or `→0`, next to a metric's name in comparisons.
        public var arrow: String {
            switch self {
            case .higher: return "↑"
            case .lower: return "↓"
            case .closerToZero: return "→0"
            }
        }
    }

    /// Where the value lives in `PreferenceMetrics` (nil for `train/loss`, which `EvalRecord` holds).
    enum Field: Sendable {
        case required(WritableKeyPath<PreferenceMetrics, Double> & Sendable)
        case optional(WritableKeyPath<PreferenceMetrics, Double?> & Sendable)
    }

    /// Name as in metrics.jsonl and TRL (`logps/chosen_delta`).
    public let name: String
    /// Short label for headers and axes (`Δw`).
    public let label: String
    /// Unit for axis titles ("nats"), nil for shares, rewards and losses.
    public let unit: String?
    /// Which way is better (drives win rates, `best`, sorting and arrows).
    public let better: Direction
    let field: Field?

    init(_ name: String, _ label: String, unit: String? = nil, better: Direction, _ field: Field?) {
        self.name = name
        self.label = label
        self.unit = unit
        self.better = better
        self.field = field
    }

    public static func == (a: Self, b: Self) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    public var description: String { name }

    /// True when `a` is a better outcome than `b`.
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        switch better {
        case .higher: return a > b
        case .lower: return a < b
        case .closerToZero: return abs(a) < abs(b)
        }
    }

    /// The metric's value in `metrics` (nil for `train/loss` and an unmeasured task accuracy).
    public func value(in metrics: PreferenceMetrics) -> Double? {
        switch field {
        case .required(let path): return metrics[keyPath: path]
        case .optional(let path): return metrics[keyPath: path]
        case nil: return nil
        }
    }

    public static let loss = Self("loss", "loss", better: .lower, .required(\.loss))
    public static let rewardsChosen = Self("rewards/chosen", "reward y_w", better: .higher, .required(\.rewardsChosen))
    public static let rewardsRejected = Self("rewards/rejected", "reward y_l", better: .lower, .required(\.rewardsRejected))
    public static let rewardsMargins = Self("rewards/margins", "margin", better: .higher, .required(\.rewardsMargins))
    public static let rewardsAccuracies = Self("rewards/accuracies", "reward acc.", better: .higher, .required(\.rewardsAccuracies))
    public static let logpsChosen = Self("logps/chosen", "log π(y_w)", unit: "nats", better: .higher, .required(\.logpsChosen))
    public static let logpsRejected = Self("logps/rejected", "log π(y_l)", unit: "nats", better: .lower, .required(\.logpsRejected))
    public static let logpsChosenDelta = Self("logps/chosen_delta", "Δw", unit: "nats", better: .higher, .required(\.logpsChosenDelta))
    public static let logpsRejectedDelta = Self("logps/rejected_delta", "Δl", unit: "nats", better: .lower, .required(\.logpsRejectedDelta))
    public static let logpsChosenDecreased = Self("logps/chosen_decreased", "share Δw<0", better: .lower, .required(\.logpsChosenDecreased))
    public static let logpsChosenDeltaPrefix = Self("logps/chosen_delta_prefix", "Δw prefix", unit: "nats", better: .higher,
                                                    .required(\.logpsChosenDeltaPrefix))
    public static let logpsChosenDeltaDiffering = Self("logps/chosen_delta_differing", "Δw differing", unit: "nats", better: .higher,
                                                       .required(\.logpsChosenDeltaDiffering))
    public static let logpsChosenDeltaSuffix = Self("logps/chosen_delta_suffix", "Δw suffix", unit: "nats", better: .higher,
                                                    .required(\.logpsChosenDeltaSuffix))
    public static let taskAccuracy = Self("task/accuracy", "task acc.", better: .higher, .optional(\.taskAccuracy))
    public static let taskAccuracyDelta = Self("task/accuracy_delta", "Δ task acc.", better: .higher, .optional(\.taskAccuracyDelta))
    public static let taskAccuracyLow = Self("task/accuracy_ci_low", "task acc. CI low", better: .higher, .optional(\.taskAccuracyLow))
    public static let taskAccuracyHigh = Self("task/accuracy_ci_high", "task acc. CI high", better: .higher, .optional(\.taskAccuracyHigh))
    /// Less squeezing is better: a rising argmax probability and a falling entropy are the squeezing effect.
    public static let squeezeArgmaxProbability = Self("squeeze/argmax_prob", "argmax prob.", better: .lower,
                                                      .optional(\.squeezeArgmaxProbability))
    public static let squeezeEntropy = Self("squeeze/entropy", "entropy", unit: "nats", better: .higher, .optional(\.squeezeEntropy))
    /// Less entangled gradients let the loss raise y_w while lowering y_l.
    public static let entanglementCosine = Self("entanglement/cosine", "grad. cosine", better: .lower, .optional(\.entanglementCosine))
    public static let entanglementCosineSD = Self("entanglement/cosine_sd", "grad. cosine sd", better: .lower,
                                                  .optional(\.entanglementCosineSD))
    /// Mean training loss since the previous record (`EvalRecord.trainLoss`).
    public static let trainLoss = Self("train/loss", "train loss", better: .lower, nil)

    /// The eval metrics of `PreferenceMetrics`, in report order.
    public static let eval: [MetricDescriptor] = [
        loss, rewardsChosen, rewardsRejected, rewardsMargins, rewardsAccuracies, logpsChosen, logpsRejected,
        logpsChosenDelta, logpsRejectedDelta, logpsChosenDecreased, logpsChosenDeltaPrefix, logpsChosenDeltaDiffering,
        logpsChosenDeltaSuffix, taskAccuracy, taskAccuracyDelta, taskAccuracyLow, taskAccuracyHigh,
        squeezeArgmaxProbability, squeezeEntropy, entanglementCosine, entanglementCosineSD,
    ]

    /// Every metric an eval record carries: the eval metrics, then `train/loss`.
    public static let all: [MetricDescriptor] = eval + [trainLoss]

    /// The metric called `name`, nil when there is none.
    public static func lookup(_ name: String) -> MetricDescriptor? { all.first { $0.name == name } }
}
