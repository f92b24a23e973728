import DPOPTrainer

/// The test for DPO's failure mode that every table, comparison and report flags.
public enum FailureMode {
    /// The metric it is judged on: mean Δw = log π(y_w) − log π_ref(y_w).
    public static let metric = MetricDescriptor.logpsChosenDelta
    public static var metricName: String { metric.name }

    /// Marker shown next to a flagged value in text formats.
    public static let marker = "⚠"

    /// One-line explanation for table footnotes.
    public static let legend = "⚠ DPO's failure mode: mean \(metric.header) < 0 with its 95% CI entirely below 0."

    /// True when Δw's mean is negative and its 95% CI lies entirely below zero (so n ≥ 2).
    public static func shows(_ chosenDelta: SampleSummary?) -> Bool {
        guard let s = chosenDelta else { return false }
        return s.mean < 0 && s.isSignificantlyNegative
    }
}
