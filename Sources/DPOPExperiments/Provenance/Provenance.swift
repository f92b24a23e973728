import Foundation

/// Where a result came from: the code's git commit, whether the tree was dirty, and the machine.
public struct Provenance: Codable, Equatable, Sendable {
    /// Full hex id of HEAD; nil outside a repository or before the first commit.
    public var commit: String?
    public var branch: String?
    /// True when HEAD is detached (a commit checked out, not a branch).
    public var detached: Bool = false
    /// True when tracked files differ from HEAD or untracked, unignored files exist (results excluded).
    public var dirty: Bool
    /// Paths that made the tree dirty.
    public var changedFiles: [String]
    /// How many of them git does not track.
    public var untrackedFiles: Int = 0
    /// SHA-256 of `diff.patch`, when the tree was dirty.
    public var diffSHA256: String?
    /// URL of the `origin` remote, if any.
    public var remote: String?
    /// Repository work tree, when there is one.
    public var repository: String?
    /// Why there is no commit, when there is none (not a repository, unborn branch, a libgit2 failure).
    public var note: String?
    /// Why `diff.patch` stops short of the whole change, when it does (the size or time cap of `GitRepository.DiffLimits`).
    public var diffNote: String?
    public var host: String
    public var date: String
    public var libgit2: String
    /// The machine and toolchain: dpop's version, the compiler, the OS, the CPU, cores (nil in records
    /// written before dpop recorded it).
    public var environment: RunEnvironment? = RunEnvironment.current

    /// First 12 characters of the commit, or "none".
    public var shortCommit: String { commit.map { String($0.prefix(12)) } ?? "none" }
}

extension Provenance {
    /// Also reads the provenance of records written before `detached`, `untrackedFiles` and
    /// `environment` were recorded (e.g. the committed results/): false, 0 and nil.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        commit = try c.decodeIfPresent(String.self, forKey: .commit)
        branch = try c.decodeIfPresent(String.self, forKey: .branch)
        detached = try c.decodeIfPresent(Bool.self, forKey: .detached) ?? false
        dirty = try c.decode(Bool.self, forKey: .dirty)
        changedFiles = try c.decode([String].self, forKey: .changedFiles)
        untrackedFiles = try c.decodeIfPresent(Int.self, forKey: .untrackedFiles) ?? 0
        diffSHA256 = try c.decodeIfPresent(String.self, forKey: .diffSHA256)
        remote = try c.decodeIfPresent(String.self, forKey: .remote)
        repository = try c.decodeIfPresent(String.self, forKey: .repository)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        diffNote = try c.decodeIfPresent(String.self, forKey: .diffNote)
        host = try c.decode(String.self, forKey: .host)
        date = try c.decode(String.self, forKey: .date)
        libgit2 = try c.decode(String.self, forKey: .libgit2)
        environment = try c.decodeIfPresent(RunEnvironment.self, forKey: .environment)
    }
}

/// The software and hardware a run used.
public struct RunEnvironment: Codable, Equatable, Sendable {
    public var dpop: String
    public var swift: String
    public var os: String
    public var cpu: String
    public var cores: Int

    /// This process's environment.
    public static var current: RunEnvironment {
        RunEnvironment(dpop: DPOPVersion.current, swift: compilerVersion,
                       os: ProcessInfo.processInfo.operatingSystemVersionString, cpu: cpuModel,
                       cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    static var compilerVersion: String {
        #if compiler(>=6.3)
        return "6.3 or later"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    static var cpuModel: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }
}

/// dpop's own version, recorded with every run.
public enum DPOPVersion {
    public static let current = "0.1.0"
}
