/// One cell run in a process of its own: the arguments of `dpop run SPEC --cell ID …` as data.
///
/// The local scheduler's children and Slurm's array tasks are started from this type's `arguments`,
/// and `dpop run` turns what it parsed back into one (`RunCommand.cellInvocation`), so a renamed flag
/// breaks a test instead of every child process.
public struct CellInvocation: Equatable, Sendable {
    /// The long option names of `dpop run` that a cell invocation uses (without the leading `--`).
    public enum Option {
        public static let cell = "cell"
        public static let results = "results"
        public static let threads = "threads"
        public static let retryFailed = "retry-failed"
        public static let force = "force"
        public static let skippedExitCode = "skipped-exit-code"
        public static let parentPID = "parent-pid"
    }

    /// The exit code the local scheduler asks its children to use when they skip their cell
    /// (`EX_TEMPFAIL`): a cell another runner holds is then "skipped", not "failed" with exit 0.
    public static let schedulerSkippedExitCode: Int32 = 75

    /// The subcommand that runs cells.
    public static let subcommand = "run"

    public var specPath: String
    /// Command-line overrides of the spec, as typed (the child must see the same effective spec).
    public var overrides: [String]
    public var cellID: String
    public var resultsRoot: String
    /// Threads for the cell (BLAS and kernels); nil: the child's default (all cores).
    public var threads: Int?
    public var retryFailed: Bool
    public var force: Bool
    /// The exit code when the cell is skipped (completed, failed, or running elsewhere); nil: 0.
    public var skippedExitCode: Int32?
    /// The runner that started this cell: the cell stops as interrupted when that process is gone.
    public var parentPID: Int32?

    public init(specPath: String, overrides: [String] = [], cellID: String, resultsRoot: String, threads: Int? = nil,
                retryFailed: Bool = false, force: Bool = false, skippedExitCode: Int32? = nil, parentPID: Int32? = nil) {
        self.specPath = specPath
        self.overrides = overrides
        self.cellID = cellID
        self.resultsRoot = resultsRoot
        self.threads = threads
        self.retryFailed = retryFailed
        self.force = force
        self.skippedExitCode = skippedExitCode
        self.parentPID = parentPID
    }

    /// The argument list after the executable's path.
    public var arguments: [String] {
        words(cellID: .literal(cellID), threads: threads.map { .literal(String($0)) }).map(\.text)
    }

    /// A shell command line for a script that knows the cell id and the thread count only at run time
    /// (a Slurm array task): `cellIDExpression` and `threadsExpression` are inserted as written (shell
    /// expressions such as `"$ID"`); every other word is quoted with `quote`.
    public func shellCommand(executable: String, cellIDExpression: String, threadsExpression: String,
                             quote: (String) -> String) -> String {
        let parts = words(cellID: .expression(cellIDExpression), threads: .expression(threadsExpression))
        return ([quote(executable)] + parts.map { word in
            switch word {
            case .literal(let text): quote(text)
            case .expression(let text): text
            }
        }).joined(separator: " ")
    }

    /// A word of the command line: a value known now, or a shell expression evaluated by the script.
    private enum Word {
        case literal(String)
        case expression(String)

        var text: String {
            switch self {
            case .literal(let text), .expression(let text): text
            }
        }
    }

    private func words(cellID: Word, threads: Word?) -> [Word] {
        var words: [Word] = [.literal(Self.subcommand), .literal(specPath)] + overrides.map { .literal($0) }
        words += [.literal("--\(Option.cell)"), cellID,
                             .literal("--\(Option.results)"), .literal(resultsRoot)]
        if let threads { words += [.literal("--\(Option.threads)"), threads] }
        if retryFailed { words.append(.literal("--\(Option.retryFailed)")) }
        if force { words.append(.literal("--\(Option.force)")) }
        if let skippedExitCode { words += [.literal("--\(Option.skippedExitCode)"), .literal(String(skippedExitCode))] }
        if let parentPID { words += [.literal("--\(Option.parentPID)"), .literal(String(parentPID))] }
        return words
    }
}
