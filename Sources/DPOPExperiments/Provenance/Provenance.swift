import Foundation

/// Where a result came from: the code's git commit, whether the tree was dirty, and the machine.
public struct Provenance: Codable, Equatable, Sendable {
    /// Full hex id of HEAD; nil outside a repository or before the first commit.
    public var commit: String?
    public var branch: String?
    /// True when tracked files differ from HEAD or untracked, unignored files exist (results excluded).
    public var dirty: Bool
    /// Paths that made the tree dirty.
    public var changedFiles: [String]
    /// Repository work tree, when there is one.
    public var repository: String?
    /// Why there is no commit, when there is none (not a repository, unborn branch, a libgit2 failure).
    public var note: String?
    public var host: String
    public var date: String
    public var libgit2: String

    /// First 12 characters of the commit, or "none".
    public var shortCommit: String { commit.map { String($0.prefix(12)) } ?? "none" }
}
