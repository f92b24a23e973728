/// What `dpop plan` shows: every cell with its varying values and state, and the totals.
public struct GridPlan: Sendable {
    public struct Row: Sendable {
        public var cell: GridCell
        public var status: CellStatus
    }

    public var axes: [String]
    public var rows: [Row]
    /// Cells whose `run.json` exists but cannot be read (they count as pending), with the reason.
    public var warnings: [String]

    public init(cells: [GridCell], axes: [String], store: ResultsStore) {
        self.axes = axes
        rows = cells.map { Row(cell: $0, status: store.status($0.id)) }
        warnings = rows.filter { $0.status == .pending }.compactMap { row in
            store.unreadableRecord(row.cell.id).map {
                "runs/\(row.cell.id)/run.json cannot be read (\($0)); the cell counts as pending, and running it moves that folder to attempts/\(row.cell.id)/"
            }
        }
    }

    /// Number of cells in each state.
    public var totals: [CellStatus: Int] {
        var t: [CellStatus: Int] = [:]
        for r in rows { t[r.status, default: 0] += 1 }
        return t
    }

    /// A fixed-width table: id, one column per axis, status; then the totals.
    public func render() -> String {
        var header = ["cell"] + axes + ["status"]
        var lines: [[String]] = rows.map { row in
            var values: [String: String] = [:]
            for v in row.cell.values { values[v.axis] = v.value }
            return [row.cell.id] + axes.map { values[$0] ?? "—" } + [row.status.rawValue]
        }
        lines.insert(header, at: 0)
        header = []
        let widths = (0..<lines[0].count).map { c in lines.map { $0[c].count }.max()! }
        var out = lines.map { line in
            line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
        let t = totals
        out += "\n\n\(rows.count) cells: " + CellStatus.allCases.filter { $0 != .interrupted || (t[$0] ?? 0) > 0 }.map { "\(t[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        for w in warnings { out += "\nwarning: \(w)" }
        return out
    }
}
