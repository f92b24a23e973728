import Foundation

/// What `dpop status RESULTS/<name>` shows: every cell seen in an experiment's results folder (its
/// runs, its locks and its Slurm submissions' manifests) with its state, the Slurm array task that
/// ran, runs or will run it, and that task's log.
public struct ExperimentStatus: Sendable {
    /// One cell.
    public struct Row: Codable, Sendable {
        public var id: String
        public var state: CellStatus
        /// Varying axis values, from run.json or the folder's spec.yaml (empty when unknown).
        public var values: [String: String]
        /// The Slurm task: of the lock (running), of run.json (completed, failed, interrupted) or of the latest
        /// submission that included the cell (pending).
        public var slurm: SlurmTaskID?
        /// `queued` (waiting in Slurm), why a task left no result, or a failure's first line.
        public var note: String?
        /// The task's log (`logs/slurm-JOB_TASK.log`) or the local log (`logs/<id>.log`).
        public var log: String?
    }

    /// The folder as given.
    public var folder: String
    public var rows: [Row]
    /// Axis names in the order first seen, for the table's values column.
    public var axes: [String]

    /// Reads `folder` (`RESULTS/<name>`); asks `slurm` about tasks that are neither completed nor failed.
    public static func load(folder: String, slurm: SlurmQueue = .system) throws -> ExperimentStatus {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let store = ResultsStore(folder: url)
        let fm = FileManager.default
        let parts = [store.runsDirectory, store.locksDirectory, url.appendingPathComponent("slurm")]
        guard parts.contains(where: { fm.fileExists(atPath: $0.path) }) else {
            throw SlurmError.notAResultsFolder(path: folder)
        }
        let submissions = SlurmSubmission.all(in: url)
        let latest = SlurmSubmission.latestTasks(submissions)
        var ids: [String] = []
        var seen = Set<String>()
        func add(_ id: String) { if seen.insert(id).inserted { ids.append(id) } }
        for submission in submissions { submission.cells.forEach(add) }
        let runs = ((try? fm.contentsOfDirectory(atPath: store.runsDirectory.path)) ?? []).filter { !$0.hasPrefix(".") }
        let locks = ((try? fm.contentsOfDirectory(atPath: store.locksDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".lock") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
        (runs + locks).sorted().forEach(add)

        let labels = specValues(store.savedSpec()?.spec)
        let shown = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        var rows: [Row] = []
        var axes: [String] = []
        for id in ids {
            let record = store.record(id)
            let lock = CellLock.read(store.lockFile(id))
            let state = store.status(id, slurm: slurm)
            var row = Row(id: id, state: state, values: record?.values ?? labels[id] ?? [:], slurm: nil, note: nil, log: nil)
            switch state {
            case .completed, .failed, .interrupted:
                row.slurm = record?.slurmJob.flatMap(SlurmTaskID.init)
                if state != .completed, let error = record?.error {
                    row.note = String((error.split(whereSeparator: \.isNewline).first ?? "").prefix(100))
                }
            case .running:
                row.slurm = lock?.slurmJob.flatMap(SlurmTaskID.init)
            case .pending:
                let queued = latest[id].map { ($0, slurm.state(of: $0)) }
                if case let (task, .active(name))? = queued {
                    row.slurm = task
                    row.note = name == "PENDING" ? "queued" : name.lowercased()
                } else if let stale = lock?.slurmJob.flatMap(SlurmTaskID.init) {
                    row.slurm = stale
                    row.note = "task ended without a result (cancelled or killed); submit again"
                } else if lock != nil {
                    row.note = "process ended without a result; run again"
                } else if let queued {
                    row.slurm = queued.0
                    if queued.1 == .ended { row.note = "task ended without a result; see its log, submit again" }
                }
            }
            if let task = row.slurm {
                row.log = "\(shown)/logs/\(task.logFileName)"
            } else if fm.fileExists(atPath: store.logFile(id).path) {
                row.log = "\(shown)/logs/\(id).log"
            }
            for axis in row.values.keys.sorted() where !axes.contains(axis) { axes.append(axis) }
            rows.append(row)
        }
        return ExperimentStatus(folder: shown, rows: rows, axes: axes)
    }

    /// Number of cells in each state.
    public var totals: [CellStatus: Int] {
        var t: [CellStatus: Int] = [:]
        for row in rows { t[row.state, default: 0] += 1 }
        return t
    }

    /// Pending cells whose Slurm task is waiting in the queue.
    public var queued: Int { rows.filter { $0.state == .pending && $0.note == "queued" }.count }

    /// `N cells: a completed, b failed, c running, d pending` (`e interrupted` after failed when there are any).
    public var summary: String {
        let t = totals
        var line = "\(rows.count) cell\(rows.count == 1 ? "" : "s"): "
            + CellStatus.allCases.filter { $0 != .interrupted || (t[$0] ?? 0) > 0 }.map { "\(t[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        if queued > 0 { line += " (\(queued) queued in Slurm)" }
        return line
    }

    /// A fixed-width table (cell, state, Slurm task, values, note, log), then the totals.
    public func render() -> String {
        if rows.isEmpty { return "no cells in \(folder) yet\n\(summary)" }
        var lines = [["cell", "state", "slurm", "values", "note", "log"]]
        for row in rows {
            let values = axes.compactMap { axis in row.values[axis].map { "\(axis)=\($0)" } }.joined(separator: " ")
            lines.append([row.id, row.state.rawValue, row.slurm?.description ?? "-", values.isEmpty ? "-" : values,
                          row.note ?? "-", row.log ?? "-"])
        }
        let widths = (0..<lines[0].count).map { c in lines.map { $0[c].count }.max()! }
        let table = lines.map { line in
            line.enumerated().map { $0.offset == line.count - 1 ? $0.element : $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return (table + ["", summary]).joined(separator: "\n")
    }

    /// JSON: the folder, every row and the totals.
    public func json() throws -> String {
        struct Document: Encodable {
            var folder: String
            var cells: [Row]
            var totals: [String: Int]
        }
        var totals: [String: Int] = [:]
        for state in CellStatus.allCases { totals[state.rawValue] = self.totals[state] ?? 0 }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Document(folder: folder, cells: rows, totals: totals)), as: UTF8.self)
    }

    /// Cell id → varying values, from the folder's copy of the spec; empty when it cannot be read.
    private static func specValues(_ spec: ExperimentSpec?) -> [String: [String: String]] {
        guard let loaded = spec else { return [:] }
        var values: [String: [String: String]] = [:]
        for cell in loaded.cells() {
            var v: [String: String] = [:]
            for value in cell.values { v[value.axis] = value.value }
            values[cell.id] = v
        }
        return values
    }
}
