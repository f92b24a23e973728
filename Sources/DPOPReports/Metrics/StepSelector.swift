import DPOPTrainer

/// Which eval record of a cell a table reads: the last, the best by a metric, or a given step.
public enum StepSelector: Equatable, Sendable, CustomStringConvertible {
    case final
    case best
    case step(Int)

    /// Parses `final`, `best` or a step number.
    public init(parsing text: String) throws {
        switch text {
        case "final", "last": self = .final
        case "best": self = .best
        default:
            guard let n = Int(text), n >= 0 else {
                throw ReportError.badOption(option: "--step", value: text, expected: "final, best or a step number")
            }
            self = .step(n)
        }
    }

    public var description: String {
        switch self {
        case .final: return "final"
        case .best: return "best"
        case .step(let n): return "\(n)"
        }
    }

    /// The record of `run` this selector picks (`best` judges by `metric`), nil when it has none.
    public func record(of run: RunResult, metric: Metric, bucket: String?) -> EvalRecord? {
        switch self {
        case .final:
            return run.final ?? run.history.last
        case .step(let n):
            return run.history.first { $0.step == n } ?? (run.final?.step == n ? run.final : nil)
        case .best:
            let candidates = run.history.isEmpty ? [run.final].compactMap { $0 } : run.history
            var best: (EvalRecord, Double)?
            for r in candidates {
                guard let v = metric.value(in: r, bucket: bucket), v.isFinite else { continue }
                if best == nil || metric.isBetter(v, than: best!.1) { best = (r, v) }
            }
            return best?.0
        }
    }
}
