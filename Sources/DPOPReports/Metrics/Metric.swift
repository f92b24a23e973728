import DPOPTrainer

/// A metric of the eval records: its JSON name, a short label, unit, and which direction is better.
public struct Metric: Equatable, Hashable, Sendable {
    /// Name as in metrics.jsonl (`logps/chosen_delta`).
    public let name: String
    /// Short label for headers and axes (`Δw`).
    public let label: String
    /// Unit for axis titles ("nats"), nil for shares and counts.
    public let unit: String?
    /// True when a larger value is the better outcome (drives win rates, `best` and sorting).
    public let higherIsBetter: Bool

    /// The default metrics of `dpop table` and `dpop compare`.
    public static let defaultNames = [
        "logps/chosen_delta", "logps/chosen_decreased", "rewards/accuracies", "rewards/margins", "task/accuracy",
    ]

    /// Every metric a record carries: the eval metrics plus `train/loss`.
    public static let all: [Metric] = (PreferenceMetrics.names + ["train/loss"]).map(Metric.describe)

    /// The metric called `name`, or an error listing the known ones.
    public static func named(_ name: String) throws -> Metric {
        guard let m = all.first(where: { $0.name == name }) else {
            throw ReportError.unknownMetric(name, known: all.map(\.name))
        }
        return m
    }

    static func describe(_ name: String) -> Metric {
        switch name {
        case "logps/chosen_delta": return Metric(name: name, label: "Δw", unit: "nats", higherIsBetter: true)
        case "logps/rejected_delta": return Metric(name: name, label: "Δl", unit: "nats", higherIsBetter: false)
        case "logps/chosen_decreased": return Metric(name: name, label: "share Δw<0", unit: nil, higherIsBetter: false)
        case "logps/chosen_delta_prefix": return Metric(name: name, label: "Δw prefix", unit: "nats", higherIsBetter: true)
        case "logps/chosen_delta_differing": return Metric(name: name, label: "Δw differing", unit: "nats", higherIsBetter: true)
        case "logps/chosen_delta_suffix": return Metric(name: name, label: "Δw suffix", unit: "nats", higherIsBetter: true)
        case "logps/chosen": return Metric(name: name, label: "log π(y_w)", unit: "nats", higherIsBetter: true)
        case "logps/rejected": return Metric(name: name, label: "log π(y_l)", unit: "nats", higherIsBetter: false)
        case "rewards/accuracies": return Metric(name: name, label: "reward acc.", unit: nil, higherIsBetter: true)
        case "rewards/margins": return Metric(name: name, label: "margin", unit: nil, higherIsBetter: true)
        case "rewards/chosen": return Metric(name: name, label: "reward y_w", unit: nil, higherIsBetter: true)
        case "rewards/rejected": return Metric(name: name, label: "reward y_l", unit: nil, higherIsBetter: false)
        case "task/accuracy": return Metric(name: name, label: "task acc.", unit: nil, higherIsBetter: true)
        case "train/loss": return Metric(name: name, label: "train loss", unit: nil, higherIsBetter: false)
        default: return Metric(name: name, label: name, unit: nil, higherIsBetter: false) // "loss" and the rest
        }
    }

    /// Header text: `Δw (logps/chosen_delta)`, or the bare name when the label adds nothing.
    public var header: String { label == name ? name : "\(label) (\(name))" }

    /// Axis title with unit: `Δw (nats)`.
    public var axisTitle: String { unit.map { "\(label) (\($0))" } ?? label }

    /// The metric's value in `record`: overall eval, or the named bucket's metrics.
    public func value(in record: EvalRecord, bucket: String? = nil) -> Double? {
        if name == "train/loss" { return record.trainLoss }
        let metrics = bucket.map { record.buckets[$0] } ?? record.eval
        return metrics?.value(name)
    }

    /// True when `a` is a better outcome than `b`.
    public func isBetter(_ a: Double, than b: Double) -> Bool { higherIsBetter ? a > b : a < b }
}
