/// Everything a results folder holds, as the tables, comparisons and report read it.
public struct ExperimentResults: Sendable {
    /// The folder it was read from.
    public var root: String
    /// Experiment name: the spec's `name:`, else the runs' `experiment`, else the folder name.
    public var name: String
    public var description: String?
    /// The spec as run, verbatim (nil when the folder has no spec.yaml).
    public var specText: String?
    /// Cells with a run.json (completed, failed or interrupted; `running` when a lock says a new attempt is
    /// under way), by id.
    public var runs: [RunResult]
    /// Cells claimed by a lock that have no run.json yet: their grid values are unknown in this layer.
    public var runningWithoutResult: [String]

    public init(root: String, name: String, description: String? = nil, specText: String? = nil,
                runs: [RunResult], runningWithoutResult: [String] = []) {
        self.root = root
        self.name = name
        self.description = description
        self.specText = specText
        self.runs = runs.sorted { $0.id < $1.id }
        self.runningWithoutResult = runningWithoutResult.sorted()
    }

    public var finishedCount: Int { runs.filter { $0.status == .completed }.count }
    public var failedCount: Int { runs.filter { $0.status == .failed }.count }
    public var interruptedCount: Int { runs.filter { $0.status == .interrupted }.count }
    public var runningCount: Int { runs.filter { $0.status == .running }.count + runningWithoutResult.count }

    /// "12 cells finished, 1 failed, 1 running"; "…, 1 failed, 2 interrupted, 1 running" when some were interrupted.
    public var statusLine: String {
        "\(finishedCount) cell\(finishedCount == 1 ? "" : "s") finished, \(failedCount) failed, "
            + (interruptedCount > 0 ? "\(interruptedCount) interrupted, " : "") + "\(runningCount) running"
    }

    var order: AxisOrder { AxisOrder(specText: specText ?? "") }

    /// Every axis some cell has a grid value for, in spec order (`seed` last).
    public var axes: [String] { order.axes(runs.flatMap { $0.values.keys }) }

    /// The values cells take on `axis`, in spec order.
    public func values(of axis: String) -> [String] {
        order.values(runs.compactMap { $0.values[axis] }, of: axis)
    }

    /// Axes on which cells differ (a cell without the axis counts as a value of its own: conditional axes).
    public var varyingAxes: [String] {
        axes.filter { axis in Set(runs.map { $0.values[axis] ?? "\u{0}" }).count > 1 }
    }

    /// Axes every cell has with one and the same value, shown once above a table.
    public var constantAxes: [(axis: String, value: String)] {
        axes.compactMap { axis in
            let seen = Set(runs.map { $0.values[axis] ?? "\u{0}" })
            guard seen.count == 1, let v = seen.first, v != "\u{0}" else { return nil }
            return (axis, v)
        }
    }

    /// "loss=dpop lambda=500 bucket=low seed=1": a cell's grid values in spec order.
    public func label(of run: RunResult, seed: Bool = true) -> String {
        axes.filter { seed || $0 != "seed" }.compactMap { a in run.values[a].map { "\(a)=\($0)" } }.joined(separator: " ")
    }

    /// Sorts value tuples of `axes` in spec order, missing values last.
    func compareKeys(_ a: [String: String], _ b: [String: String], axes: [String]) -> Bool {
        for axis in axes {
            let va = a[axis], vb = b[axis]
            if va == vb { continue }
            guard let va else { return false }
            guard let vb else { return true }
            let ordered = values(of: axis)
            return (ordered.firstIndex(of: va) ?? .max) < (ordered.firstIndex(of: vb) ?? .max)
        }
        return false
    }
}
