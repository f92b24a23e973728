import Foundation

/// Path of a folder relative to the git work tree containing a file, for excluding results from dirtiness.
enum RelativePath {
    /// `folder` as `sub/dir/` relative to the work tree of `file`'s repository; nil outside it.
    static func inside(_ folder: URL, repositoryOf file: String) -> String? {
        guard let repo = GitRepository.workTree(containing: URL(fileURLWithPath: file).deletingLastPathComponent().path) else {
            return nil
        }
        let root = URL(fileURLWithPath: repo).standardizedFileURL.path
        let target = folder.standardizedFileURL.path
        guard target.hasPrefix(root) else { return nil }
        var rel = String(target.dropFirst(root.count))
        if rel.hasPrefix("/") { rel.removeFirst() }
        return rel.isEmpty ? nil : rel + "/"
    }
}
