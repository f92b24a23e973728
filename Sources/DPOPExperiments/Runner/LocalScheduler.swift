import DPOPTrainer
import Foundation

/// Runs pending cells as child processes (`dpop run SPEC --cell ID`), at most `jobs` at a time,
/// each logging to `logs/<id>.log`; shows grid progress and the running cells' latest lines.
public final class LocalScheduler {
    public struct Options: Sendable {
        public var jobs = 1
        public var retryFailed = false
        /// Run finished cells again too (earlier results are kept under attempts/).
        public var force = false
        public var failFast = false
        /// Threads each child uses (BLAS and kernels); default: cores / jobs.
        public var threadsPerJob: Int?
        public init() {}
    }

    /// Counts at the end of a grid run.
    public struct Summary: Sendable {
        public var completed = 0, failed = 0, interrupted = 0, skipped = 0
        public var failedCells: [String] = []
    }

    let executable: String
    let specPath: String
    let resultsRoot: URL
    let store: ResultsStore
    let options: Options
    /// The spec's command-line overrides, passed on to every child.
    public var overrides: [String] = []
    /// Progress output: (text, isStatusLine). Status lines may be redrawn in place.
    public var output: (String, Bool) -> Void = { text, _ in print(text) }

    public init(executable: String, specPath: String, resultsRoot: URL, store: ResultsStore, options: Options) {
        self.executable = executable
        self.specPath = specPath
        self.resultsRoot = resultsRoot
        self.store = store
        self.options = options
    }

    private struct Child {
        let cell: GridCell
        let process: Process
        let started: Date
    }

    /// Runs every cell that needs running and returns the counts.
    public func run(_ cells: [GridCell]) throws -> Summary {
        var summary = Summary()
        var queue: [GridCell] = []
        for cell in cells {
            switch store.status(cell.id) {
            case .completed where !options.force: summary.skipped += 1
            case .running: summary.skipped += 1
            case .failed where !options.retryFailed: summary.skipped += 1
            default: queue.append(cell)
            }
        }
        let total = queue.count
        output("\(cells.count) cells: \(total) to run, \(summary.skipped) skipped (completed, running or failed)", false)
        let jobs = max(1, options.jobs)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threads = options.threadsPerJob ?? max(1, cores / jobs)
        var running: [Child] = []
        var durations: [Double] = []
        var stop = false
        let start = Date()
        var forwarded = false
        while !queue.isEmpty || !running.isEmpty {
            // SIGINT/SIGTERM: launch nothing more, pass SIGTERM on so running cells record themselves
            // as interrupted, and wait for them.
            if Interruption.requested != nil && !forwarded {
                forwarded = true
                stop = true
                queue.removeAll()
                for child in running { child.process.terminate() }
            }
            while !stop && running.count < jobs && !queue.isEmpty {
                let cell = queue.removeFirst()
                running.append(try launch(cell, threads: threads))
            }
            usleep(300_000)
            var still: [Child] = []
            for child in running {
                if child.process.isRunning { still.append(child); continue }
                let seconds = Date().timeIntervalSince(child.started)
                durations.append(seconds)
                let label = Self.label(child.cell)
                if store.status(child.cell.id) == .interrupted {
                    summary.interrupted += 1
                    output("INTERRUPTED \(child.cell.id)  \(label)  (runs again on the next dpop run)", false)
                } else if child.process.terminationStatus == 0 && store.status(child.cell.id) == .completed {
                    summary.completed += 1
                    let final = store.record(child.cell.id)?.final.map { String(format: "Δw %+.3f  acc %.3f", $0.eval.logpsChosenDelta, $0.eval.rewardsAccuracies) } ?? ""
                    output(String(format: "completed  %@  %@  (%.0fs)  %@", child.cell.id, label, seconds, final), false)
                } else {
                    summary.failed += 1
                    summary.failedCells.append(child.cell.id)
                    output("FAILED  \(child.cell.id)  \(label)  exit \(child.process.terminationStatus); log: \(store.logFile(child.cell.id).path)", false)
                    if options.failFast {
                        stop = true
                        queue.removeAll()
                        for other in still { other.process.terminate() }
                    }
                }
            }
            running = still
            let finished = summary.completed + summary.failed
            let mean = durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count)
            let eta = mean.map { $0 * Double(total - finished) / Double(jobs) }
            var status = "[\(finished)/\(total)] \(summary.completed) completed, \(summary.failed) failed, \(running.count) running"
            status += eta.map { String(format: ", eta %@", Self.duration($0)) } ?? ""
            status += String(format: ", %@ elapsed", Self.duration(Date().timeIntervalSince(start)))
            for child in running {
                status += "\n  \(child.cell.id) \(Self.label(child.cell)): \(lastLine(of: store.logFile(child.cell.id)))"
            }
            output(status, true)
        }
        return summary
    }

    private func launch(_ cell: GridCell, threads: Int) throws -> Child {
        let log = store.logFile(cell.id)
        // append: a re-run (resume, --retry-failed, --force) keeps the earlier attempts' output above its own
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        handle.write(Data("==== \(ISO8601DateFormatter().string(from: Date())) dpop run --cell \(cell.id)\n".utf8))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = CellInvocation(specPath: specPath, overrides: overrides, cellID: cell.id, resultsRoot: resultsRoot.path, threads: threads,
                                     retryFailed: options.retryFailed, force: options.force).arguments
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return Child(cell: cell, process: p, started: Date())
    }

    /// `axis=value …` of a cell's varying values.
    public static func label(_ cell: GridCell) -> String {
        cell.values.map { "\($0.axis)=\($0.value)" }.joined(separator: " ")
    }

    static func duration(_ s: Double) -> String {
        s < 90 ? String(format: "%.0fs", s) : s < 5400 ? String(format: "%.1fm", s / 60) : String(format: "%.1fh", s / 3600)
    }

    private func lastLine(of url: URL) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 400 ? size - 400 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last.map(String.init) ?? ""
        return String(line.suffix(110))
    }
}
