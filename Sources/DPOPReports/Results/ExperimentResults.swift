import DPOPExperiments
import Foundation

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
    /// The grid's axes and their values in spec order, as the records (or, for older records, the saved
    /// spec) give them; axes and values missing here sort after, by number or name.
    public var axisOrder: [AxisValues]
    /// Cells left out because their files cannot be read.
    public var damaged: [DamagedCell]
    /// What the reader had to make do with (e.g. the axis order taken from the saved spec), for the user.
    public var notes: [String]

    public init(root: String, name: String, description: String? = nil, specText: String? = nil,
                runs: [RunResult], runningWithoutResult: [String] = [], axisOrder: [AxisValues] = [],
                damaged: [DamagedCell] = [], notes: [String] = []) {
        self.root = root
        self.name = name
        self.description = description
        self.specText = specText
        self.runs = runs.sorted { $0.id < $1.id }
        self.runningWithoutResult = runningWithoutResult.sorted()
        self.axisOrder = axisOrder
        self.damaged = damaged
        self.notes = notes
    }

    /// Reads the results folder `path` (`RESULTS/<name>/`) through its `ResultsStore`: every readable cell,
    /// the live locks and the saved spec. A cell that cannot be read is left out and listed in `damaged`.
    ///
    /// `lockIsLive` decides whether a lock file still marks a running cell (default: the store's test, as
    /// `dpop status` uses); a stale lock's cell is not running, it waits for the next `dpop run`.
    public static func load(path: String, lockIsLive: (URL) -> Bool = ResultsStore.lockIsLive) throws -> ExperimentResults {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.notAResultsFolder(path: path, reason: "no such folder")
        }
        let store = ResultsStore(folder: root)
        let saved = store.savedSpec()
        guard fm.fileExists(atPath: store.runsDirectory.path) || saved != nil else {
            throw ReportError.notAResultsFolder(path: path, reason: "it has neither runs/ nor spec.yaml")
        }
        let locked = store.liveLocks(isLive: lockIsLive)
        let (stored, damaged) = store.storedRuns()
        let runs = stored.map { s -> RunResult in
            var run = RunResult(s)
            // A failed or interrupted cell whose lock is back is being run again.
            if (run.status == .failed || run.status == .interrupted) && locked.contains(run.id) { run.status = .running }
            return run
        }
        var notes: [String] = []
        // The latest record's order first: a spec revised between runs orders its new values last.
        var order: [AxisValues] = []
        for record in stored.map(\.record).sorted(by: { $0.finished > $1.finished }) {
            for axis in record.axes ?? [] { merge(axis, into: &order) }
        }
        let older = stored.filter { $0.record.axes == nil }.count
        if older > 0 {
            if let spec = saved?.spec {
                spec.axisValues.forEach { merge($0, into: &order) }
                notes.append("\(older) of \(stored.count) cells were recorded before run.json kept the axis order; "
                             + "it is taken from \(saved!.file) instead")
            } else {
                let why = saved.map { "it does not read: \($0.problem ?? "")" } ?? "there is no spec.yaml"
                notes.append("\(older) of \(stored.count) cells were recorded before run.json kept the axis order, and the saved spec "
                             + "cannot stand in (\(why)); axes and values are sorted by name and number")
            }
        }
        let name = saved?.name ?? stored.first?.record.experiment ?? root.lastPathComponent
        return ExperimentResults(root: root.path, name: name, description: saved?.description, specText: saved?.text, runs: runs,
                                 runningWithoutResult: locked.subtracting(runs.map(\.id)).sorted(), axisOrder: order,
                                 damaged: damaged, notes: notes)
    }

    /// What the user should know about the reading: `warning: …` per damaged cell, `note: …` per note.
    public var readingMessages: [String] {
        damaged.map { "warning: \($0)" } + notes.map { "note: \($0)" }
    }

    /// Adds `axis` to `order`, or the values `order` lacks to its entry there.
    private static func merge(_ axis: AxisValues, into order: inout [AxisValues]) {
        guard let i = order.firstIndex(where: { $0.name == axis.name }) else { order.append(axis); return }
        order[i].values += axis.values.filter { !order[i].values.contains($0) }
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

    /// Every axis some cell has a grid value for, in spec order (`seed` last).
    public var axes: [String] { ordered(axes: runs.flatMap { $0.values.keys }) }

    /// The values cells take on `axis`, in spec order.
    public func values(of axis: String) -> [String] { ordered(runs.compactMap { $0.values[axis] }, of: axis) }

    /// `names` in spec order; `seed` last (it is pooled, not shown), axes `axisOrder` lacks by name after the others.
    func ordered<S: Sequence>(axes names: S) -> [String] where S.Element == String {
        let rank = Dictionary(axisOrder.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        return Set(names).sorted { a, b in
            if (a == "seed") != (b == "seed") { return b == "seed" }
            let ra = rank[a] ?? .max, rb = rank[b] ?? .max
            return ra != rb ? ra < rb : a < b
        }
    }

    /// `values` of `axis` in spec order; values `axisOrder` lacks after, by number when all are numbers, else by name.
    func ordered<S: Sequence>(_ values: S, of axis: String) -> [String] where S.Element == String {
        let listed = axisOrder.first { $0.name == axis }?.values ?? []
        return ordered(Set(values), listed: listed)
    }

    /// Edit-distance bucket names in spec order: as the `bucket` axis lists them, else as the cells' `data.buckets` do.
    func ordered(buckets names: Set<String>) -> [String] {
        var listed = axisOrder.first { $0.name == "bucket" }?.values ?? []
        for name in runs.flatMap(\.bucketNames) where !listed.contains(name) { listed.append(name) }
        return ordered(names, listed: listed)
    }

    private func ordered(_ distinct: Set<String>, listed: [String]) -> [String] {
        let rest = distinct.subtracting(listed)
        let restSorted = rest.allSatisfy({ Double($0) != nil }) ? rest.sorted { Double($0)! < Double($1)! } : rest.sorted()
        return listed.filter(distinct.contains) + restSorted
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
