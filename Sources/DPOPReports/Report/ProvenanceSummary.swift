/// Where the results came from: the distinct commits, the runs made from a dirty tree, hosts and dates.
public struct ProvenanceSummary: Sendable {
    public struct Commit: Equatable, Sendable {
        public var commit: String
        public var branch: String?
        public var runs: Int
        public var dirtyRuns: Int
    }

    public struct DirtyRun: Equatable, Sendable {
        public var cell: String
        public var label: String
        public var commit: String
        public var changedFiles: [String]
    }

    /// Commits by number of runs, most first ("none" for runs outside a repository).
    public let commits: [Commit]
    public let dirty: [DirtyRun]
    public let hosts: [(host: String, runs: Int)]
    /// Earliest start and latest finish (ISO 8601 text as recorded).
    public let firstStarted: String?
    public let lastFinished: String?
    /// Runs whose run.json has no provenance block.
    public let withoutProvenance: Int

    /// Summarises the provenance of every cell of `results`.
    public init(_ results: ExperimentResults) {
        let runs = results.runs
        var commits: [String: Commit] = [:]
        var dirty: [DirtyRun] = []
        var hosts: [String: Int] = [:]
        for r in runs {
            guard let p = r.provenance else { continue }
            let key = p.commit ?? "none"
            var c = commits[key] ?? Commit(commit: key, branch: p.branch, runs: 0, dirtyRuns: 0)
            c.runs += 1
            if p.dirty {
                c.dirtyRuns += 1
                dirty.append(DirtyRun(cell: r.id, label: results.label(of: r), commit: p.shortCommit, changedFiles: p.changedFiles))
            }
            commits[key] = c
            hosts[p.host, default: 0] += 1
        }
        self.commits = commits.values.sorted { $0.runs != $1.runs ? $0.runs > $1.runs : $0.commit < $1.commit }
        self.dirty = dirty.sorted { $0.cell < $1.cell }
        self.hosts = hosts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        firstStarted = runs.compactMap(\.started).min()
        lastFinished = runs.compactMap(\.finished).max()
        withoutProvenance = runs.filter { $0.provenance == nil }.count
    }

    /// Template context: `commits`, `dirty`, `hosts`, `dates`, `hasDirty`. `text` escapes what the
    /// runs recorded (branch names, labels, file names, hosts) for templates that do not escape it
    /// themselves: the Markdown report passes `TextFormat.markdownCell`.
    func view(text: (String) -> String = { $0 }) -> [String: Any] {
        [
            "commits": commits.map { c -> [String: Any] in
                ["commit": c.commit == "none" ? "none (not a git repository)" : text(String(c.commit.prefix(12))), "full": text(c.commit),
                 "branch": c.branch.map(text) ?? "—", "runs": c.runs, "dirtyRuns": c.dirtyRuns]
            },
            "dirty": dirty.map { d -> [String: Any] in
                ["cell": text(d.cell), "label": text(d.label), "commit": text(d.commit),
                 "files": d.changedFiles.isEmpty ? "(not recorded)" : d.changedFiles.map(text).joined(separator: ", ")]
            },
            "hasDirty": !dirty.isEmpty,
            "hosts": hosts.map { "\(text($0.host)) (\($0.runs))" }.joined(separator: ", "),
            "dates": [firstStarted, lastFinished].compactMap { $0 }.joined(separator: " … "),
            "withoutProvenance": withoutProvenance,
        ]
    }
}
