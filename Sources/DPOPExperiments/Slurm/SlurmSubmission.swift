import DPOPTrainer
import Foundation

/// One grid submission, kept in `RESULTS/<name>/slurm/<timestamp>/`: the manifest `cells.txt`
/// (line i = the cell of array task i), the script `job.sbatch`, and once sbatch accepted it
/// `job.json` (this record: job id, cells, submit time, options).
public struct SlurmSubmission: Codable, Sendable {
    /// The array's job id; nil for a script written with `--dry-run`.
    public var job: String?
    /// The cluster sbatch named (`--parsable` prints `id;cluster` on federated setups).
    public var cluster: String?
    /// Cell ids in task order.
    public var cells: [String]
    /// ISO 8601 time of submission (or of writing, for a dry run).
    public var submitted: String
    public var spec: String
    public var specSHA256: String
    /// The script's file name in the submission folder.
    public var script: String
    /// `--array` value, e.g. `0-7%4`.
    public var array: String
    /// The `#SBATCH` options written.
    public var options: [String]
    /// The submission folder (not stored).
    public var directory: URL = URL(fileURLWithPath: "/")

    enum CodingKeys: String, CodingKey {
        case job, cluster, cells, submitted, spec, specSHA256, script, array, options
    }

    public static let manifestName = "cells.txt"
    public static let scriptName = "job.sbatch"
    public static let recordName = "job.json"

    public init(job: String?, cluster: String?, cells: [String], submitted: String, spec: String, specSHA256: String,
                script: String, array: String, options: [String], directory: URL) {
        self.job = job
        self.cluster = cluster
        self.cells = cells
        self.submitted = submitted
        self.spec = spec
        self.specSHA256 = specSHA256
        self.script = script
        self.array = array
        self.options = options
        self.directory = directory
    }

    /// The array task that runs `cell` in this submission, nil when it is not in it or was not submitted.
    public func task(of cell: String) -> SlurmTaskID? {
        guard let job, let index = cells.firstIndex(of: cell) else { return nil }
        return SlurmTaskID(job: job, task: index)
    }

    /// Writes `job.json` into the submission folder.
    public func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(self), to: directory.appendingPathComponent(Self.recordName))
    }

    /// The manifest text for `cells`: one id a line.
    public static func manifest(_ cells: [String]) -> String {
        cells.map { $0 + "\n" }.joined()
    }

    /// Reads a submission folder: `job.json` when present, else (a dry run, or a submission whose
    /// record was never written) the manifest alone, with no job id. Nil when neither can be read.
    public static func load(_ directory: URL) -> SlurmSubmission? {
        if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(recordName).path),
           var record = try? JSONDecoder().decode(SlurmSubmission.self, from: data) {
            record.directory = directory
            return record
        }
        guard let text = try? String(contentsOf: directory.appendingPathComponent(manifestName), encoding: .utf8) else { return nil }
        let cells = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return SlurmSubmission(job: nil, cluster: nil, cells: cells, submitted: directory.lastPathComponent, spec: "",
                               specSHA256: "", script: scriptName, array: "", options: [], directory: directory)
    }

    /// Every submission under `experimentFolder/slurm/`, oldest first (folder names are UTC timestamps).
    public static func all(in experimentFolder: URL) -> [SlurmSubmission] {
        let root = experimentFolder.appendingPathComponent("slurm")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { load(root.appendingPathComponent($0)) }
    }

    /// For each cell, the array task of the latest submitted job that included it.
    public static func latestTasks(_ submissions: [SlurmSubmission]) -> [String: SlurmTaskID] {
        var tasks: [String: SlurmTaskID] = [:]
        for submission in submissions {
            for cell in submission.cells {
                if let task = submission.task(of: cell) { tasks[cell] = task }
            }
        }
        return tasks
    }
}
