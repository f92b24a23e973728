/// The provenance block of a `run.json`, read leniently: every field may be missing in older runs.
public struct RunProvenance: Codable, Equatable, Sendable {
    public var commit: String?
    public var branch: String?
    public var dirty: Bool
    public var changedFiles: [String]
    public var date: String?
    public var host: String?

    public init(commit: String?, branch: String?, dirty: Bool, changedFiles: [String], date: String?, host: String?) {
        self.commit = commit
        self.branch = branch
        self.dirty = dirty
        self.changedFiles = changedFiles
        self.date = date
        self.host = host
    }

    /// Reads the fields this layer shows from a decoded JSON object.
    init(json: [String: Any]) {
        commit = json["commit"] as? String
        branch = json["branch"] as? String
        dirty = json["dirty"] as? Bool ?? false
        changedFiles = json["changedFiles"] as? [String] ?? []
        date = json["date"] as? String
        host = json["host"] as? String
    }

    /// First 12 characters of the commit, or "none".
    public var shortCommit: String { commit.map { String($0.prefix(12)) } ?? "none" }
}
