import Foundation

/// The batch script of one grid submission: a job array with one task per pending cell; task i
/// reads line i of the manifest (`cells.txt`) and runs that cell with `dpop run SPEC --cell ID`.
///
/// Paths are written absolute and quoted (single quotes in the body; double quotes in `#SBATCH`
/// lines, which sbatch unquotes), so results folders with spaces work.
public struct SbatchScript: Sendable {
    /// `--job-name`, e.g. `dpop-quickstart`.
    public var jobName: String
    /// Number of array tasks (= lines of the manifest).
    public var taskCount: Int
    /// At most this many tasks at once (`--array=0-(n-1)%K`), nil for no limit.
    public var maxParallel: Int?
    /// The tasks' output files, with Slurm's `%A` (array job) and `%a` (task) placeholders.
    public var outputPattern: String
    public var partition: String?
    /// `--time`, e.g. `01:00:00`.
    public var time: String?
    public var cpusPerTask: Int?
    /// `--mem`, e.g. `4G`.
    public var mem: String?
    /// Further `#SBATCH` options, verbatim (`--account=x`, `--qos=y`).
    public var extraArguments: [String] = []
    /// The manifest: one cell id a line.
    public var manifest: String
    /// The dpop executable the tasks run (absolute).
    public var executable: String
    /// The spec (absolute).
    public var spec: String
    /// Command-line overrides of the spec, passed on to every task.
    public var overrides: [String] = []
    /// The results root (absolute).
    public var resultsRoot: String
    /// Pass `--retry-failed` to the tasks (failed cells are in the manifest).
    public var retryFailed = false
    /// One comment line on what was submitted, below the options.
    public var comment: String?

    public init(jobName: String, taskCount: Int, maxParallel: Int? = nil, outputPattern: String,
                partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil, mem: String? = nil,
                extraArguments: [String] = [], manifest: String, executable: String, spec: String,
                resultsRoot: String, retryFailed: Bool = false, overrides: [String] = [], comment: String? = nil) {
        self.overrides = overrides
        self.jobName = jobName
        self.taskCount = taskCount
        self.maxParallel = maxParallel
        self.outputPattern = outputPattern
        self.partition = partition
        self.time = time
        self.cpusPerTask = cpusPerTask
        self.mem = mem
        self.extraArguments = extraArguments
        self.manifest = manifest
        self.executable = executable
        self.spec = spec
        self.resultsRoot = resultsRoot
        self.retryFailed = retryFailed
        self.comment = comment
    }

    /// `0-(n-1)` or `0-(n-1)%K`.
    public var arrayRange: String {
        "0-\(max(0, taskCount - 1))" + (maxParallel.map { "%\($0)" } ?? "")
    }

    /// The `#SBATCH` options, in order.
    public var options: [String] {
        var lines = ["--job-name=\(Self.sbatchQuoted(jobName))", "--array=\(arrayRange)",
                     "--output=\(Self.sbatchQuoted(outputPattern))", "--open-mode=append"]
        if let partition { lines.append("--partition=\(Self.sbatchQuoted(partition))") }
        if let time { lines.append("--time=\(time)") }
        if let cpusPerTask { lines.append("--cpus-per-task=\(cpusPerTask)") }
        if let mem { lines.append("--mem=\(mem)") }
        return lines + extraArguments
    }

    /// The script text.
    public func render() -> String {
        var out = "#!/bin/bash\n"
        for option in options { out += "#SBATCH \(option)\n" }
        out += "#\n"
        if let comment { out += "# \(comment)\n" }
        let command = CellInvocation(specPath: spec, overrides: overrides, cellID: "", resultsRoot: resultsRoot, retryFailed: retryFailed)
            .shellCommand(executable: executable, cellIDExpression: "\"$ID\"",
                          threadsExpression: "\"${SLURM_CPUS_PER_TASK:-1}\"", quote: Self.shellQuoted)
        out += """
        # Array task i runs the cell on line i+1 of the manifest, through `dpop run SPEC --cell ID`: it claims
        # the cell (a cell that is completed or running elsewhere is skipped), shares the reference-model cache,
        # and writes runs/<id>/ with provenance. `dpop status` shows the cells' states and these tasks' logs.
        set -euo pipefail
        MANIFEST=\(Self.shellQuoted(manifest))
        TASK=${SLURM_ARRAY_TASK_ID:?runs as a Slurm array task: sbatch this script}
        mapfile -t CELLS < "$MANIFEST"
        ID=${CELLS[$TASK]:-}
        if [ -z "$ID" ]; then
            echo "dpop: array task $TASK has no line in $MANIFEST" >&2
            exit 2
        fi
        echo "dpop: array task ${SLURM_ARRAY_JOB_ID:-?}_$TASK on $(hostname): cell $ID"
        exec \(command)

        """
        return out
    }

    /// `text` as one shell word: bare when it is made of safe characters, else single-quoted
    /// (a single quote inside becomes `'\''`).
    public static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@%")
        if !text.isEmpty && text.allSatisfy({ safe.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A value for an `#SBATCH --opt=value` line: double-quoted when it holds a space (sbatch strips
    /// the quotes). A double quote or newline cannot be written; `SlurmLauncher` rejects such paths.
    public static func sbatchQuoted(_ text: String) -> String {
        text.contains(where: { $0 == " " || $0 == "\t" || $0 == "#" }) ? "\"\(text)\"" : text
    }

    /// `path` with `%` doubled, so Slurm does not read it as a filename placeholder.
    public static func escapingPercent(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%%")
    }
}
