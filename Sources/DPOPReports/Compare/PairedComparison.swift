/// Baseline vs treatment (e.g. `loss=dpo` vs `loss=dpop`), paired by seed within groups of cells that
/// agree on every other axis.
///
/// Axes only one side has (λ exists for dpop cells only) do not split the other side: one dpo group is
/// compared with each λ's dpop group.
public struct PairedComparison: Sendable {
    public let experiment: String
    public let options: CompareOptions
    public let metrics: [Metric]
    /// Axes that label groups, in spec order.
    public let axes: [String]
    public let groups: [ComparisonGroup]
    public let statusLine: String

    /// Pairs the cells of `results` as `options` says.
    public static func build(_ results: ExperimentResults, options: CompareOptions) throws -> PairedComparison {
        let metrics = try options.metrics.map(Metric.named)
        let picker = RecordPicker(step: options.step, judge: metrics[0], bucket: options.bucket)
        try picker.validate(against: results)
        let known = results.axes
        for axis in options.baseline.axes + options.treatment.axes where !known.contains(axis) && RunResult.configPaths[axis] == nil {
            throw ReportError.unknownAxis(axis, known: known)
        }
        let baseline = results.runs.filter(options.baseline.matches)
        let treatment = results.runs.filter(options.treatment.matches)
        guard baseline.contains(where: { $0.status == .completed }) else {
            throw ReportError.noMatchingCells("--baseline \(options.baseline)")
        }
        guard treatment.contains(where: { $0.status == .completed }) else {
            throw ReportError.noMatchingCells("--treatment \(options.treatment)")
        }
        if let both = baseline.first(where: { b in treatment.contains { $0.id == b.id } }) {
            throw ReportError.badOption(option: "--treatment", value: options.treatment.description,
                                        expected: "a selector no baseline cell matches (cell \(both.id) matches both)")
        }

        let fixed = Set(options.baseline.axes + options.treatment.axes + ["seed"])
        func axes(_ runs: [RunResult]) -> Set<String> { Set(runs.flatMap { $0.values.keys }).subtracting(fixed) }
        let bAxes = axes(baseline), tAxes = axes(treatment)
        let shared = bAxes.intersection(tAxes)
        func subgroups(_ runs: [RunResult], _ axes: Set<String>) -> [[String: String]: [RunResult]] {
            Dictionary(grouping: runs) { $0.values.filter { axes.contains($0.key) } }
        }
        let bGroups = subgroups(baseline, bAxes), tGroups = subgroups(treatment, tAxes)
        func compatible(_ b: [String: String], _ t: [String: String]) -> Bool {
            shared.allSatisfy { b[$0] == t[$0] }
        }

        var groups: [ComparisonGroup] = []
        for (bKey, bRuns) in bGroups {
            let partners = tGroups.filter { compatible(bKey, $0.key) }
            if partners.isEmpty {
                groups.append(ComparisonGroup(key: bKey, baseline: bRuns, treatment: [], metrics: metrics, picker: picker))
            }
            for (tKey, tRuns) in partners {
                groups.append(ComparisonGroup(key: bKey.merging(tKey) { a, _ in a }, baseline: bRuns, treatment: tRuns,
                                              metrics: metrics, picker: picker))
            }
        }
        for (tKey, tRuns) in tGroups where !bGroups.keys.contains(where: { compatible($0, tKey) }) {
            groups.append(ComparisonGroup(key: tKey, baseline: [], treatment: tRuns, metrics: metrics, picker: picker))
        }
        let shown = results.ordered(axes: bAxes.union(tAxes))
        groups.sort { results.compareKeys($0.key, $1.key, axes: shown) }
        return PairedComparison(experiment: results.name, options: options, metrics: metrics, axes: shown,
                                groups: groups, statusLine: results.statusLine)
    }

    /// "final step" / "step 50" / "best step per cell by Δw".
    public var stepDescription: String {
        switch options.step {
        case .final: return "final step"
        case .step(let n): return "step \(n)"
        case .best: return "best step per cell by \(metrics[0].label)"
        }
    }
}
