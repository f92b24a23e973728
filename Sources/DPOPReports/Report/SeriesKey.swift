/// Groups cells into plot series by their values on some axes, with labels and colours.
struct SeriesKey: Hashable {
    let values: [String: String]

    /// Readable label: "dpo", "dpop λ=50", "bucket low".
    func label(axes: [String]) -> String {
        let parts = axes.compactMap { axis -> String? in
            guard let v = values[axis] else { return nil }
            switch axis {
            case "loss": return v
            case "lambda": return "λ=\(v)"
            case "beta": return "β=\(v)"
            case "bucket": return "bucket \(v)"
            default: return "\(axis)=\(v)"
            }
        }
        return parts.isEmpty ? "all cells" : parts.joined(separator: " ")
    }

    /// Series of `runs` keyed by `axes`, ordered as the spec lists the values, with one colour each:
    /// a hue per value of the first axis (the loss, usually), shades within it.
    static func group(_ runs: [RunResult], axes: [String], in results: ExperimentResults)
        -> [(key: SeriesKey, runs: [RunResult], color: String, label: String)] {
        let grouped = Dictionary(grouping: runs) { SeriesKey(values: $0.values.filter { axes.contains($0.key) }) }
        let keys = grouped.keys.sorted { results.compareKeys($0.values, $1.values, axes: axes) }
        let family: (SeriesKey) -> String = { k in axes.first.flatMap { k.values[$0] } ?? "" }
        var families: [String] = []
        for k in keys where !families.contains(family(k)) { families.append(family(k)) }
        return keys.map { k in
            let f = family(k)
            let members = keys.filter { family($0) == f }
            let hue = Palette.hue(f, index: families.firstIndex(of: f)!)
            let color = Palette.shade(hue, members.firstIndex(of: k)!, of: members.count)
            return (k, grouped[k]!, color, k.label(axes: axes))
        }
    }
}
