import DPOPTrainer
import Foundation

/// Submits a grid's pending cells to Slurm as one job array.
///
/// Pending means: not completed, not running (a live lock, or a lock whose Slurm task is still queued
/// or running), not failed unless `retryFailed`, and not already waiting in the queue as a task of
/// an earlier submission. The submission's manifest, script and record go to
/// `RESULTS/<name>/slurm/<timestamp>/`; each task runs `dpop run SPEC --cell ID`, so claiming,
/// the shared reference cache, the store and provenance are those of local runs.
public struct SlurmLauncher {
    /// What `dpop run --launcher slurm` passes on.
    public struct Options: Sendable {
        public var partition: String?
        /// `--time`: minutes, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`.
        public var time: String?
        public var cpusPerTask: Int?
        /// `--mem`: a number with an optional K, M, G or T suffix.
        public var mem: String?
        /// At most this many array tasks at once.
        public var maxParallel: Int?
        /// Further sbatch options, each written as an `#SBATCH` line.
        public var extraArguments: [String] = []
        public var retryFailed = false
        /// Write the script, do not submit it.
        public var dryRun = false
        public init() {}
    }

    /// How the cells of the grid stood when the submission was computed.
    public struct Selection: Sendable {
        /// Cells to submit, in grid order.
        public var pending: [GridCell] = []
        public var completed = 0, failed = 0, running = 0
        /// Cells whose task from an earlier submission is still waiting in the queue.
        public var queued = 0
    }

    /// What happened.
    public enum Outcome: Sendable {
        /// Nothing to submit; no files written.
        case nothingPending(Selection)
        /// `--dry-run`: the script and manifest were written, nothing submitted.
        case written(SlurmSubmission, Selection)
        /// sbatch accepted the array; `job.json` records it.
        case submitted(SlurmSubmission, Selection)

        /// What to tell the user; `folder` is the experiment's results folder as they name it.
        /// A submission's first line is `submitted Slurm job <id>: …` (scripts may parse it).
        public func message(folder: String) -> String {
            switch self {
            case .nothingPending(let s):
                return "nothing pending, no job submitted: " + (SlurmLauncher.skipped(s) ?? "no cells selected")
            case .written(let submission, let s):
                let script = submission.directory.appendingPathComponent(submission.script).path
                var lines = ["wrote \(script) (dry run, not submitted): \(submission.cells.count) cell\(submission.cells.count == 1 ? "" : "s"), --array=\(submission.array)"]
                if let skipped = SlurmLauncher.skipped(s) { lines.append("skipped: \(skipped)") }
                lines.append("submit it with: sbatch \(SbatchScript.shellQuoted(script))")
                return lines.joined(separator: "\n")
            case .submitted(let submission, let s):
                let script = submission.directory.appendingPathComponent(submission.script).path
                var lines = ["submitted Slurm job \(submission.job ?? "?"): \(submission.cells.count) cell\(submission.cells.count == 1 ? "" : "s") as --array=\(submission.array)"]
                if let skipped = SlurmLauncher.skipped(s) { lines.append("skipped: \(skipped)") }
                lines.append("script: \(script)")
                lines.append("logs:   \(folder)/logs/slurm-\(submission.job ?? "JOB")_<task>.log")
                lines.append("status: dpop status \(SbatchScript.shellQuoted(folder))")
                return lines.joined(separator: "\n")
            }
        }
    }

    /// Cells skipped, as a phrase: `2 completed, 1 running`; nil when none were.
    static func skipped(_ s: Selection) -> String? {
        let parts = [(s.completed, "completed"), (s.running, "running"), (s.queued, "queued in Slurm"),
                     (s.failed, "failed (--retry-failed submits them)")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    public let store: ResultsStore
    /// The dpop executable the tasks run.
    public var executable: String
    /// The spec the tasks run (made absolute).
    public var specPath: String
    /// Command-line overrides of the spec, passed on to every task.
    public var overrides: [String] = []
    public var specSHA256: String
    /// The results root the tasks write to (made absolute).
    public var resultsRoot: URL
    /// Submits a script and returns sbatch's `--parsable` output (`id` or `id;cluster`).
    public var submit: (URL) throws -> String = SlurmLauncher.sbatch
    /// Where running and queued tasks are looked up.
    public var slurm: SlurmQueue = .system
    /// The clock, for the submission folder's name.
    public var now: () -> Date = Date.init

    public init(store: ResultsStore, executable: String, specPath: String, specSHA256: String, resultsRoot: URL) {
        self.store = store
        self.executable = URL(fileURLWithPath: executable).standardizedFileURL.path
        self.specPath = URL(fileURLWithPath: specPath).standardizedFileURL.path
        self.specSHA256 = specSHA256
        self.resultsRoot = resultsRoot.standardizedFileURL
    }

    /// Sorts `cells` into pending and the rest.
    public func select(_ cells: [GridCell], retryFailed: Bool) -> Selection {
        let queuedTasks = SlurmSubmission.latestTasks(SlurmSubmission.all(in: store.root))
        var selection = Selection()
        for cell in cells {
            switch store.status(cell.id, slurm: slurm) {
            case .completed: selection.completed += 1; continue
            case .running: selection.running += 1; continue
            case .failed where !retryFailed: selection.failed += 1; continue
            case .failed, .interrupted, .pending: break
            }
            if let task = queuedTasks[cell.id], slurm.state(of: task).isActive {
                selection.queued += 1
                continue
            }
            selection.pending.append(cell)
        }
        return selection
    }

    /// Writes and (unless a dry run) submits the array for the pending cells among `cells`.
    public func launch(_ cells: [GridCell], options: Options) throws -> Outcome {
        try Self.validate(options)
        for (name, path) in [("results folder", store.root.path), ("dpop executable", executable), ("spec", specPath)] {
            if path.contains("\"") || path.contains(where: \.isNewline) {
                throw SlurmError.invalidOption(option: name, value: path,
                                               hint: "a path with a double quote or a newline cannot be written into an sbatch script; move it")
            }
        }
        let selection = select(cells, retryFailed: options.retryFailed)
        if selection.pending.isEmpty { return .nothingPending(selection) }
        let ids = selection.pending.map(\.id)
        let directory = try makeSubmissionDirectory()
        let manifest = directory.appendingPathComponent(SlurmSubmission.manifestName)
        let scriptURL = directory.appendingPathComponent(SlurmSubmission.scriptName)
        let stamp = ISO8601DateFormatter().string(from: now())
        let script = SbatchScript(
            jobName: "dpop-\(store.experiment)", taskCount: ids.count, maxParallel: options.maxParallel,
            outputPattern: SbatchScript.escapingPercent(store.logsDirectory.path) + "/slurm-%A_%a.log",
            partition: options.partition, time: options.time, cpusPerTask: options.cpusPerTask, mem: options.mem,
            extraArguments: options.extraArguments, manifest: manifest.path, executable: executable, spec: specPath,
            resultsRoot: resultsRoot.path, retryFailed: options.retryFailed,
            overrides: overrides,
            comment: "Written by dpop at \(stamp): \(ids.count) pending cell\(ids.count == 1 ? "" : "s") of \(specPath) (spec sha256 \(specSHA256.prefix(12))).")
        try FileManager.default.createDirectory(at: store.logsDirectory, withIntermediateDirectories: true)
        try AtomicFile.write(Data(SlurmSubmission.manifest(ids).utf8), to: manifest)
        try AtomicFile.write(Data(script.render().utf8), to: scriptURL)
        chmod(scriptURL.path, 0o755)
        var submission = SlurmSubmission(job: nil, cluster: nil, cells: ids, submitted: stamp, spec: specPath,
                                          specSHA256: specSHA256, script: SlurmSubmission.scriptName,
                                          array: script.arrayRange, options: script.options, directory: directory)
        if options.dryRun { return .written(submission, selection) }
        let output: String
        do {
            output = try submit(scriptURL)
        } catch {
            // A refused submission leaves nothing behind that `dpop status` would read as submitted.
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let (job, cluster) = try Self.parseJobID(output, script: scriptURL.path)
        submission.job = job
        submission.cluster = cluster
        submission.submitted = ISO8601DateFormatter().string(from: now())
        try submission.save()
        return .submitted(submission, selection)
    }

    /// Checks the options Slurm would otherwise reject after the script was written.
    public static func validate(_ options: Options) throws {
        if let k = options.maxParallel, k < 1 {
            throw SlurmError.invalidOption(option: "--max-parallel", value: "\(k)", hint: "needs at least 1 task at a time")
        }
        if let c = options.cpusPerTask, c < 1 {
            throw SlurmError.invalidOption(option: "--cpus-per-task", value: "\(c)", hint: "needs at least 1 CPU")
        }
        if let t = options.time, t.range(of: #"^\d+(-\d+)?(:\d+){0,2}$"#, options: .regularExpression) == nil {
            throw SlurmError.invalidOption(option: "--time", value: t,
                                           hint: "Slurm takes minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS, e.g. 02:00:00")
        }
        if let m = options.mem, m.range(of: #"^\d+[KkMmGgTt]?$"#, options: .regularExpression) == nil {
            throw SlurmError.invalidOption(option: "--mem", value: m, hint: "Slurm takes a size in MB or with a K, M, G or T suffix, e.g. 4G")
        }
        if let p = options.partition, p.isEmpty || p.contains(where: { $0.isWhitespace || $0 == "\"" }) {
            throw SlurmError.invalidOption(option: "--partition", value: "'\(p)'", hint: "a partition name has no spaces or quotes; `sinfo -s` lists them")
        }
        for arg in options.extraArguments where !arg.hasPrefix("-") || arg.contains(where: \.isNewline) {
            throw SlurmError.invalidOption(option: "--sbatch-arg", value: "'\(arg)'",
                                           hint: "each is one sbatch option such as --account=abc or --qos=high (use --sbatch-arg=--account=abc)")
        }
    }

    /// Splits sbatch's `--parsable` output, `id` or `id;cluster`.
    public static func parseJobID(_ output: String, script: String) throws -> (job: String, cluster: String?) {
        let line = output.split(whereSeparator: \.isNewline).last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let parts = line.split(separator: ";", maxSplits: 1).map(String.init)
        guard let job = parts.first, !job.isEmpty, job.allSatisfy(\.isNumber) else {
            throw SlurmError.unexpectedSbatchOutput(output: output, script: script)
        }
        return (job, parts.count > 1 ? parts[1] : nil)
    }

    /// Submits with `sbatch --parsable SCRIPT` from PATH.
    public static func sbatch(_ script: URL) throws -> String {
        let result = try SlurmCommand("sbatch", timeout: 120).run(["--parsable", script.path])
        guard result.status == 0 else {
            throw SlurmError.sbatchRefused(status: result.status, stderr: result.stderr, script: script.path)
        }
        return result.stdout
    }

    /// A fresh `slurm/<yyyyMMdd-HHmmss>[-n]` folder.
    private func makeSubmissionDirectory() throws -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let base = formatter.string(from: now())
        let parent = store.root.appendingPathComponent("slurm")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        for n in 1... {
            let url = parent.appendingPathComponent(n == 1 ? base : base + String(format: "-%02d", n))
            if mkdir(url.path, 0o755) == 0 { return url }
            guard errno == EEXIST else {
                throw DPOPError.io(path: url.path, message: "cannot create: \(String(cString: strerror(errno)))")
            }
        }
        fatalError("unreachable")
    }
}
