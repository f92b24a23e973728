import Foundation

/// Plain-text renderings of eval records for terminals and logs.
public enum MetricsFormatter {
    /// One line per eval: the headline metrics overall, then Δw per bucket.
    public static func line(_ r: EvalRecord) -> String {
        let e = r.eval
        var s = String(format: "eval step %4d  loss %.4f  acc %.3f  margin %+.3f  Δw %+.3f  Δl %+.3f  Δw<0 %.2f",
                       r.step, e.loss, e.rewardsAccuracies, e.rewardsMargins, e.logpsChosenDelta,
                       e.logpsRejectedDelta, e.logpsChosenDecreased)
        if let t = e.taskAccuracy {
            s += String(format: "  task %.3f", t)
            if let low = e.taskAccuracyLow, let high = e.taskAccuracyHigh { s += String(format: " [%.3f, %.3f]", low, high) }
            if let d = e.taskAccuracyDelta, r.step > 0 { s += String(format: " (%+.3f)", d) }
        }
        for name in r.buckets.keys.sorted() {
            s += String(format: "  [%@ Δw %+.3f]", name, r.buckets[name]!.logpsChosenDelta)
        }
        return s
    }

    /// Metric-by-column table comparing the first and last eval, overall and per bucket.
    public static func table(first: EvalRecord, last: EvalRecord) -> String {
        var columns: [(String, PreferenceMetrics)] = [("step \(first.step)", first.eval), ("step \(last.step)", last.eval)]
        for name in last.buckets.keys.sorted() {
            columns.append(("\(name) (n=\(last.buckets[name]!.n))", last.buckets[name]!))
        }
        let metricWidth = PreferenceMetrics.names.map(\.count).max()! + 2
        var out = "metric".padding(toLength: metricWidth, withPad: " ", startingAt: 0)
        for (title, _) in columns { out += title.leftPadded(16) }
        out += "\n"
        for name in PreferenceMetrics.names {
            out += name.padding(toLength: metricWidth, withPad: " ", startingAt: 0)
            for (_, m) in columns {
                out += (m.value(name).map { String(format: "%.4f", $0) } ?? "—").leftPadded(16)
            }
            out += "\n"
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
