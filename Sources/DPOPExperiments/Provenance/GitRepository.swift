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
    public static func provenance(at path: String, excluding: [String] = []) -> (Provenance, diff: String?) {
        _ = initialised
        var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
        git_libgit2_version(&major, &minor, &rev)
        let iso = ISO8601DateFormatter()
        var p = Provenance(commit: nil, branch: nil, dirty: false, changedFiles: [], repository: nil, note: nil,
                           host: ProcessInfo.processInfo.hostName, date: iso.string(from: Date()),
                           libgit2: "\(major).\(minor).\(rev)")
        do {
            let diff = try read(path: path, excluding: excluding, into: &p)
            p.diffSHA256 = diff.map { ContentHash.sha256($0) }
            return (p, diff)
        } catch {
            p.note = "\(error)"
            return (p, nil)
        }
    }

    private static func read(path: String, excluding: [String], into p: inout Provenance) throws -> String? {
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
        statusOptions.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try check(git_status_list_new(&list, repo, &statusOptions), "git_status_list_new")
        defer { git_status_list_free(list) }
        var changed: [String] = []
        for i in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, i) else { continue }
            let delta = entry.pointee.index_to_workdir ?? entry.pointee.head_to_index
            guard let filePath = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path else { continue }
            let name = String(cString: filePath)
            if excluding.contains(where: { name.hasPrefix($0) }) { continue }
            changed.append(name)
            if entry.pointee.status.rawValue & GIT_STATUS_WT_NEW.rawValue != 0 { p.untrackedFiles += 1 }
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
        var diffOptions = git_diff_options()
        try check(git_diff_options_init(&diffOptions, UInt32(GIT_DIFF_OPTIONS_VERSION)), "git_diff_options_init")
        diffOptions.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_DIFF_SHOW_UNTRACKED_CONTENT.rawValue
        var diff: OpaquePointer?
        try check(git_diff_tree_to_workdir_with_index(&diff, repo, tree, &diffOptions), "git_diff_tree_to_workdir_with_index")
        defer { git_diff_free(diff) }
        var buf = git_buf()
        try check(git_diff_to_buf(&buf, diff, GIT_DIFF_FORMAT_PATCH), "git_diff_to_buf")
        defer { git_buf_dispose(&buf) }
        guard let ptr = buf.ptr else { return "" }
        let text = String(decoding: UnsafeRawBufferPointer(start: ptr, count: buf.size), as: UTF8.self)
        // Drop the excluded paths' hunks so a results folder inside the repo doesn't bloat every patch.
        return excluding.isEmpty ? text : PatchFilter.removing(prefixes: excluding, from: text)
    }
}

/// Removes whole file sections of a unified git patch by path prefix.
enum PatchFilter {
    static func removing(prefixes: [String], from patch: String) -> String {
        var out: [Substring] = []
        var keep = true
        for line in patch.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("diff --git a/") {
                let path = line.dropFirst("diff --git a/".count)
                keep = !prefixes.contains { path.hasPrefix($0) }
            }
            if keep { out.append(line) }
        }
        return out.joined(separator: "\n")
    }
}
