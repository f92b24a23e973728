import CLibGit2
import Foundation

/// Reads provenance from the git repository that contains a path, through libgit2.
public enum GitRepository {
    /// libgit2 needs one global initialisation per process.
    private static let initialised: Void = { _ = git_libgit2_init() }()

    /// An error naming the libgit2 call that failed and libgit2's own message.
    public struct GitError: Error, CustomStringConvertible {
        public let call: String
        public let code: Int32
        public let message: String
        public var description: String { "\(call) failed (\(code)): \(message)" }
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code >= 0 else {
            let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "no message"
            throw GitError(call: call, code: code, message: message)
        }
    }

    /// Work tree of the repository containing `path`, or nil outside one; opens the repository only
    /// (no status scan, no diff), for callers that just need to know where the repository is.
    public static func workTree(containing path: String) -> String? {
        _ = initialised
        var repo: OpaquePointer?
        guard git_repository_open_ext(&repo, path, 0, nil) == 0 else { return nil }
        defer { git_repository_free(repo) }
        return git_repository_workdir(repo).map { String(cString: $0) }
    }

    /// Provenance of the repository containing `path`, and the patch of uncommitted changes (tracked
    /// changes against HEAD plus untracked files' contents) when dirty. Paths under `excluding`
    /// (relative to the work tree, e.g. the results folder) do not count.
    /// The patch is capped by `limits` (size and time); `Provenance.diffNote` then says it was cut.
    /// `includeDiff` false skips the patch (the dirty flag and file list are still read).
    public static func provenance(at path: String, excluding: [String] = [], includeDiff: Bool = true,
                                  limits: DiffLimits = DiffLimits()) -> (Provenance, diff: String?) {
        _ = initialised
        var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
        git_libgit2_version(&major, &minor, &rev)
        let iso = ISO8601DateFormatter()
        var p = Provenance(commit: nil, branch: nil, dirty: false, changedFiles: [], repository: nil, note: nil,
                           host: ProcessInfo.processInfo.hostName, date: iso.string(from: Date()),
                           libgit2: "\(major).\(minor).\(rev)")
        do {
            let diff = try read(path: path, excluding: excluding, includeDiff: includeDiff, limits: limits, into: &p)
            p.diffSHA256 = diff.map { ContentHash.sha256($0) }
            return (p, diff)
        } catch {
            p.note = "\(error)"
            return (p, nil)
        }
    }

    private static func read(path: String, excluding: [String], includeDiff: Bool, limits: DiffLimits,
                             into p: inout Provenance) throws -> String? {
        var repo: OpaquePointer?
        let opened = git_repository_open_ext(&repo, path, 0, nil)
        if opened == GIT_ENOTFOUND.rawValue {
            p.note = "not inside a git repository"
            return nil
        }
        try check(opened, "git_repository_open_ext(\(path))")
        defer { git_repository_free(repo) }
        if let workdir = git_repository_workdir(repo) { p.repository = String(cString: workdir) }

        var head: OpaquePointer?
        let headCode = git_repository_head(&head, repo)
        if headCode == GIT_EUNBORNBRANCH.rawValue || headCode == GIT_ENOTFOUND.rawValue {
            p.note = "the repository has no commits yet"
        } else {
            try check(headCode, "git_repository_head")
            defer { git_reference_free(head) }
            if let oid = git_reference_target(head) {
                var buffer = [CChar](repeating: 0, count: 41)
                git_oid_tostr(&buffer, 41, oid)
                p.commit = String(cString: buffer)
            }
            if git_reference_is_branch(head) != 0, let name = git_reference_shorthand(head) {
                p.branch = String(cString: name)
            }
            p.detached = git_repository_head_detached(repo) == 1
        }
        var remote: OpaquePointer?
        if git_remote_lookup(&remote, repo, "origin") == 0 {
            if let url = git_remote_url(remote) { p.remote = String(cString: url) }
            git_remote_free(remote)
        }

        // Status: tracked changes and untracked files, minus excluded prefixes.
        var statusOptions = git_status_options()
        try check(git_status_options_init(&statusOptions, UInt32(GIT_STATUS_OPTIONS_VERSION)), "git_status_options_init")
        statusOptions.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        // Untracked folders come back as one entry ("results/new-experiment/") and are walked one by one
        // afterwards, only when not excluded: a results folder of thousands of files is never scanned.
        statusOptions.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var changed: [String] = []
        var untrackedFolders: [String] = []
        try status(repo, &statusOptions) { name, untracked in
            if excluding.contains(where: { name.hasPrefix($0) }) { return }
            if untracked && name.hasSuffix("/") { untrackedFolders.append(name); return }
            changed.append(name)
            if untracked { p.untrackedFiles += 1 }
        }
        if !untrackedFolders.isEmpty {
            statusOptions.flags |= GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH.rawValue
            try withStrings(untrackedFolders) { statusOptions.pathspec = $0
                try status(repo, &statusOptions) { name, untracked in
                    if excluding.contains(where: { name.hasPrefix($0) }) { return }
                    changed.append(name)
                    if untracked { p.untrackedFiles += 1 }
                }
            }
        }
        p.changedFiles = changed.sorted()
        p.dirty = !changed.isEmpty
        guard p.dirty else { return nil }

        // The patch: HEAD tree (or nothing, before the first commit) against the work tree with index.
        var tree: OpaquePointer?
        if p.commit != nil {
            var object: OpaquePointer?
            try check(git_revparse_single(&object, repo, "HEAD^{tree}"), "git_revparse_single(HEAD^{tree})")
            tree = object
        }
        defer { if let tree { git_object_free(tree) } }
        guard includeDiff else { return nil }
        var diffOptions = git_diff_options()
        try check(git_diff_options_init(&diffOptions, UInt32(GIT_DIFF_OPTIONS_VERSION)), "git_diff_options_init")
        // Exactly the changed files, as literal paths: the excluded folders are never read, and libgit2
        // walks only these. A file over `diffFileBytes` shows as "Binary files differ".
        diffOptions.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_DIFF_SHOW_UNTRACKED_CONTENT.rawValue | GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue
        diffOptions.max_size = git_off_t(limits.fileBytes)
        return try withStrings(p.changedFiles) { paths in
            diffOptions.pathspec = paths
            var diff: OpaquePointer?
            try check(git_diff_tree_to_workdir_with_index(&diff, repo, tree, &diffOptions), "git_diff_tree_to_workdir_with_index")
            defer { git_diff_free(diff) }
            let patch = PatchCollector(limits: limits)
            let code = git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, { _, _, line, payload in
                guard let line, let payload else { return 0 }
                return Unmanaged<PatchCollector>.fromOpaque(payload).takeUnretainedValue().append(line.pointee)
            }, Unmanaged.passUnretained(patch).toOpaque())
            if code != PatchCollector.stopCode { try check(code, "git_diff_print") }
            if let cut = patch.cutReason { p.diffNote = "diff.patch is cut short: \(cut)" }
            let text = String(decoding: patch.bytes, as: UTF8.self)
            return patch.cutReason == nil ? text : text + "\n# dpop: \(p.diffNote ?? "")\n"
        }
    }

    /// Runs a status scan, handing each entry's path and whether it is untracked to `body`.
    private static func status(_ repo: OpaquePointer?, _ options: inout git_status_options,
                               _ body: (String, Bool) -> Void) throws {
        var list: OpaquePointer?
        try check(git_status_list_new(&list, repo, &options), "git_status_list_new")
        defer { git_status_list_free(list) }
        for i in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, i) else { continue }
            let delta = entry.pointee.index_to_workdir ?? entry.pointee.head_to_index
            guard let filePath = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path else { continue }
            body(String(cString: filePath), entry.pointee.status.rawValue & GIT_STATUS_WT_NEW.rawValue != 0)
        }
    }

    /// Calls `body` with `strings` as a `git_strarray` that lives for the call.
    private static func withStrings<T>(_ strings: [String], _ body: (git_strarray) throws -> T) throws -> T {
        var array: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { for pointer in array { free(pointer) } }
        return try array.withUnsafeMutableBufferPointer { buffer in
            try body(git_strarray(strings: buffer.baseAddress, count: buffer.count))
        }
    }

    /// How much of the uncommitted changes a run's `diff.patch` keeps: a tree with huge or fast-changing
    /// untracked files once spent 33 s in the diff and produced no patch at all.
    public struct DiffLimits: Sendable {
        /// Most bytes of patch kept.
        public var patchBytes = 16 << 20
        /// Longest time spent writing the patch, in seconds.
        public var seconds = 10.0
        /// Files larger than this show as "Binary files differ" (no content).
        public var fileBytes = 4 << 20
        public init() {}
    }
}

/// Gathers `git_diff_print` lines up to a size and a deadline.
private final class PatchCollector {
    static let stopCode: Int32 = -7_777
    let limits: GitRepository.DiffLimits
    let deadline: Date
    var bytes: [UInt8] = []
    /// Why the patch stopped short, nil while it is whole.
    var cutReason: String?

    init(limits: GitRepository.DiffLimits) {
        self.limits = limits
        deadline = Date().addingTimeInterval(limits.seconds)
    }

    /// Appends one line (with its `+`/`-`/` ` origin where it has one); `stopCode` ends the print.
    func append(_ line: git_diff_line) -> Int32 {
        if Date() > deadline {
            cutReason = String(format: "writing it took over %.0f s (the limit)", limits.seconds)
            return Self.stopCode
        }
        let origin = UInt8(bitPattern: line.origin)
        let prefix = origin == UInt8(ascii: "+") || origin == UInt8(ascii: "-") || origin == UInt8(ascii: " ") ? 1 : 0
        guard bytes.count + prefix + line.content_len <= limits.patchBytes else {
            cutReason = "it would be over \(limits.patchBytes) bytes (the limit)"
            return Self.stopCode
        }
        if prefix == 1 { bytes.append(origin) }
        if let content = line.content {
            content.withMemoryRebound(to: UInt8.self, capacity: line.content_len) {
                bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: line.content_len))
            }
        }
        return 0
    }
}
