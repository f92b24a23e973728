import DPOPTrainer

/// `--only axis=value` selections: a cell passes when every given axis has one of the given values.
public struct CellFilter: Sendable {
    public let conditions: [(axis: String, values: Set<String>)]

    /// Parses `axis=value` (repeatable; `axis=a,b` for several values).
    public init(_ specs: [String], axes: [String]) throws {
        var conditions: [(String, Set<String>)] = []
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw DPOPError.usage("--only expects axis=value, got '\(spec)'")
            }
            guard axes.contains(parts[0]) else {
                throw DPOPError.usage("--only \(spec): '\(parts[0])' is not an axis of this grid; axes: \(axes.joined(separator: ", "))")
            }
            conditions.append((parts[0], Set(parts[1].split(separator: ",").map(String.init))))
        }
        self.conditions = conditions
    }

    /// True when `cell` matches every condition.
    public func matches(_ cell: GridCell) -> Bool {
        conditions.allSatisfy { condition in
            cell.values.contains { $0.axis == condition.axis && condition.values.contains($0.value) }
        }
    }
}
