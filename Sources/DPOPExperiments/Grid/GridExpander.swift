import DPOPTrainer
import Foundation

/// Expands a read spec into its cells: the cartesian product of its factors in file order (first = outermost),
/// with `when` conditions, excludes, per-cell validation and the collapse of cells that resolve to the same config.
struct GridExpander {
    let document: SpecDocument
    let log: DiagnosticLog
    let builder: CellBuilder

    /// More combinations than this is almost surely a mistake, and would take long to enumerate.
    static let maxCombinations = 100_000

    /// The cells in deterministic order, and the axes whose values differ between them with their values, in spec order.
    func expand() -> (cells: [GridCell], axes: [AxisValues]) {
        let factors = document.factors
        guard !factors.isEmpty, factors.allSatisfy({ $0.count > 0 }) else { return ([], []) }
        var total = 1
        for f in factors {
            let (product, overflow) = total.multipliedReportingOverflow(by: f.count)
            total = overflow ? Int.max : product
        }
        guard total <= Self.maxCombinations else {
            log.error("the grid has \(total == Int.max ? "too many" : String(total)) combinations; at most \(Self.maxCombinations) are allowed",
                      at: document.gridPosition ?? document.rootPosition, hint: "split the experiment, or tie axes together with zip")
            return ([], [])
        }

        struct Found {
            var built: CellConfig
            var idJSON: [UInt8]
            var assigned: [String: LocatedValue]
        }
        var found: [Found] = []
        var seen: Set<[UInt8]> = []
        var index = [Int](repeating: 0, count: factors.count)
        for _ in 0..<total {
            defer {
                // Odometer: the last factor turns fastest.
                var i = factors.count - 1
                while i >= 0 {
                    index[i] += 1
                    if index[i] < factors[i].count { break }
                    index[i] = 0
                    i -= 1
                }
            }
            guard let assigned = combination(index) else { continue }
            guard let built = builder.build(assigned) else { continue }
            let json = [UInt8](built.idConfig.canonicalJSON())
            guard seen.insert(json).inserted else { continue }
            found.append(Found(built: built.config, idJSON: json, assigned: assigned))
        }
        if found.isEmpty && !log.hasErrors {
            log.error("every combination of the grid is excluded, so there is nothing to run",
                      at: document.excludePosition ?? document.gridPosition ?? document.rootPosition)
        }

        // Label axes: each setting once, named as first written, in file order.
        var labelAxes: [GridAxis] = []
        for a in factors.flatMap(\.axes) where !labelAxes.contains(where: { $0.key.path == a.key.path }) {
            labelAxes.append(a)
        }
        let labels = found.map { f in labelAxes.map { label($0.key, in: f.built, assigned: f.assigned) } }
        let varying = labelAxes.indices.filter { i in Set(labels.map { $0[i] }).count > 1 }
        let cells = zip(found, labels).map { f, row in
            GridCell(id: String(ContentHash.sha256(f.idJSON).prefix(12)), config: f.built,
                     values: varying.map { (labelAxes[$0].name, row[$0]) })
        }
        let axes = varying.map { i in
            var ordered: [String] = []
            for text in labelAxes[i].values.map(\.text) + labels.map({ $0[i] }) where !ordered.contains(text) { ordered.append(text) }
            return AxisValues(name: labelAxes[i].name, values: ordered.filter { text in labels.contains { $0[i] == text } })
        }
        return (cells, axes)
    }

    /// The settings a combination assigns, after joins, `when` and excludes; nil if it yields no cell.
    private func combination(_ index: [Int]) -> [String: LocatedValue]? {
        var assigned: [String: LocatedValue] = [:]
        for (f, i) in zip(document.factors, index) {
            for axis in f.axes {
                let v = axis.values[i]
                if let other = assigned[axis.key.path] {
                    // A setting varied in two places keeps only combinations where both agree.
                    if other.value != v.value { return nil }
                } else {
                    assigned[axis.key.path] = v
                }
            }
        }
        func current(_ key: SpecKey) -> SpecValue? { (assigned[key.path] ?? document.base(key))?.value }
        // Conditional axes fall back to their base value where the condition fails; the resulting
        // duplicates collapse later. Conditions see earlier conditional axes already resolved.
        for axis in document.factors.flatMap(\.axes) where !axis.conditions.isEmpty {
            let holds = axis.conditions.allSatisfy { c in current(c.key).map { c.values.contains($0) } ?? false }
            if !holds { assigned[axis.key.path] = nil }
        }
        var loss = PreferenceLossConfig(kind: .dpop)
        if let terms = try? current(SpecKey.axis(named: "loss.type")!)?.stringValue.map(PreferenceLossTerm.parse) {
            loss.setMembers(terms)
        }
        loss.fDivergence = current(SpecKey.axis(named: "loss.f_divergence")!)?.stringValue.flatMap(FDivergence.init) ?? .reverseKL
        let used = loss.usedParameters
        let readsFile = current(SpecKey.axis(named: "data.path")!) != nil
        for rule in document.excludes {
            let matches = rule.entries.allSatisfy { entry in
                guard let v = assigned[entry.key.path], applies(entry.key, used: used, readsFile: readsFile) else { return false }
                return entry.values.contains(v.value)
            }
            if matches { return nil }
        }
        return assigned
    }

    /// Whether a setting matters in a cell: loss parameters only for losses that read them, arith keys only for arith data.
    private func applies(_ key: SpecKey, used: Set<PreferenceLossParameter>, readsFile: Bool) -> Bool {
        if let p = key.lossParameter, !used.contains(p), !PreferenceLossParameter.universal.contains(p) { return false }
        if key.arithOnly && readsFile { return false }
        return true
    }

    /// The text labelling `key` in a cell: as written in the spec, or `-` where the setting does not apply.
    private func label(_ key: SpecKey, in config: CellConfig, assigned: [String: LocatedValue]) -> String {
        guard applies(key, used: config.loss.usedParameters, readsFile: config.data.path != nil) else { return GridCell.notApplicable }
        return (assigned[key.path] ?? document.base(key))?.text ?? GridCell.notApplicable
    }
}
