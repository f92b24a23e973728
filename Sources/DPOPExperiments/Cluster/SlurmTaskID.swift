/// A Slurm job, or one task of a job array, as Slurm prints it: `123` or `123_4`.
public struct SlurmTaskID: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The job id; for an array task, the array's job id (`SLURM_ARRAY_JOB_ID`).
    public var job: String
    /// The array task index (`SLURM_ARRAY_TASK_ID`), nil for a job that is not an array.
    public var task: Int?

    public init(job: String, task: Int?) {
        self.job = job
        self.task = task
    }

    /// Parses `123` or `123_4` (the form `CellLock` and `RunRecord` store); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        guard let job = parts.first, !job.isEmpty, job.allSatisfy(\.isNumber), parts.count <= 2 else { return nil }
        if parts.count == 2 {
            guard let task = Int(parts[1]), task >= 0 else { return nil }
            self.init(job: job, task: task)
        } else {
            self.init(job: job, task: nil)
        }
    }

    /// `123_4` or `123`.
    public var description: String { task.map { "\(job)_\($0)" } ?? job }

    /// The task's output file name under `--output=…/slurm-%A_%a.log`: `slurm-123_4.log`.
    public var logFileName: String { "slurm-\(description).log" }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = SlurmTaskID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a Slurm job id: '\(text)'"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
