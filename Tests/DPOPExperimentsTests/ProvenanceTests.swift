import Foundation
import Testing
@testable import DPOPExperiments

/// libgit2 provenance against the git command line on a scratch repository.
@Suite struct ProvenanceTests {
    static func git(_ args: [String], in dir: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"] + args
        p.currentDirectoryURL = dir
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = Pipe()
        try p.run()
        p.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func recordsFromBeforeDetachedUntrackedAndEnvironmentStillDecode() throws {
        // The provenance of the committed results/ (and of anything run before these fields existed).
        let old = #"{"changedFiles": [], "commit": "8b435aaff3bfba1b29edb053026435ee24ace0c1", "date": "2026-11-25T10:54:30Z", "#
            + #""dirty": false, "host": "vm", "libgit2": "1.5.1", "repository": "/tmp/wt/"}"#
        let p = try JSONDecoder().decode(Provenance.self, from: Data(old.utf8))
        #expect(p.commit == "8b435aaff3bfba1b29edb053026435ee24ace0c1" && !p.dirty && p.repository == "/tmp/wt/")
        #expect(!p.detached && p.untrackedFiles == 0 && p.environment == nil && p.branch == nil)
        // A current record round-trips with every field.
        var now = p
        now.detached = true
        now.untrackedFiles = 2
        now.environment = RunEnvironment.current
        #expect(try JSONDecoder().decode(Provenance.self, from: JSONEncoder().encode(now)) == now)
        // Fields that were always written are still required.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Provenance.self, from: Data(#"{"dirty": false}"#.utf8)) }
    }

    @Test func commitDirtyFlagAndPatch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (none, _) = GitRepository.provenance(at: dir.path)
        #expect(none.commit == nil && none.note != nil)

        _ = try Self.git(["init", "-q"], in: dir)
        try "one\n".write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        _ = try Self.git(["add", "a.txt"], in: dir)
        _ = try Self.git(["commit", "-qm", "first"], in: dir)
        let head = try Self.git(["rev-parse", "HEAD"], in: dir)
        let (clean, cleanDiff) = GitRepository.provenance(at: dir.path)
        #expect(clean.commit == head)
        #expect(clean.branch == "main")
        #expect(!clean.dirty && cleanDiff == nil)

        // Results written inside the repo must not make it dirty.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("results/x"), withIntermediateDirectories: true)
        try "{}".write(to: dir.appendingPathComponent("results/x/run.json"), atomically: true, encoding: .utf8)
        #expect(!GitRepository.provenance(at: dir.path, excluding: ["results/"]).0.dirty)

        try "two\n".write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "new\n".write(to: dir.appendingPathComponent("b.txt"), atomically: true, encoding: .utf8)
        let (dirty, patch) = GitRepository.provenance(at: dir.path, excluding: ["results/"])
        #expect(dirty.dirty)
        #expect(dirty.changedFiles == ["a.txt", "b.txt"])
        #expect(patch?.contains("-one") == true && patch?.contains("+two") == true && patch?.contains("+new") == true)
        #expect(patch?.contains("run.json") == false)
        #expect(dirty.untrackedFiles == 1)
        #expect(dirty.diffSHA256 == patch.map { ContentHash.sha256($0) })

        // Detached HEAD and a remote.
        _ = try Self.git(["remote", "add", "origin", "https://example.invalid/dpop.git"], in: dir)
        _ = try Self.git(["stash", "-u", "-q"], in: dir)
        _ = try Self.git(["checkout", "-q", "--detach", "HEAD"], in: dir)
        let (detached, _) = GitRepository.provenance(at: dir.path, excluding: ["results/"])
        #expect(detached.detached && detached.branch == nil && detached.commit == head)
        #expect(detached.remote == "https://example.invalid/dpop.git")
        #expect(detached.environment?.dpop.isEmpty == false && (detached.environment?.cores ?? 0) >= 1)
    }

    /// A repository with one commit in a scratch folder.
    static func repository() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = try Self.git(["init", "-q"], in: dir)
        try "one\n".write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        _ = try Self.git(["add", "a.txt"], in: dir)
        _ = try Self.git(["commit", "-qm", "first"], in: dir)
        return dir
    }

    /// Untracked folders are listed file by file, except an excluded one, which is not walked or diffed.
    @Test func untrackedFoldersAreListedFileByFileAndExcludedOnesLeftOut() throws {
        let dir = try Self.repository()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("notes/deep"), withIntermediateDirectories: true)
        try "x\n".write(to: dir.appendingPathComponent("notes/x.txt"), atomically: true, encoding: .utf8)
        try "y\n".write(to: dir.appendingPathComponent("notes/deep/y.txt"), atomically: true, encoding: .utf8)
        try fm.createDirectory(at: dir.appendingPathComponent("results/exp/runs"), withIntermediateDirectories: true)
        for i in 0..<50 { try "{}".write(to: dir.appendingPathComponent("results/exp/runs/\(i).json"), atomically: true, encoding: .utf8) }
        let (p, patch) = GitRepository.provenance(at: dir.path, excluding: ["results/"])
        #expect(p.changedFiles == ["notes/deep/y.txt", "notes/x.txt"] && p.untrackedFiles == 2)
        #expect(patch?.contains("+x") == true && patch?.contains("+y") == true && patch?.contains("results/") == false)
        #expect(p.diffNote == nil)
        // Without the exclusion the results count too.
        #expect(GitRepository.provenance(at: dir.path).0.changedFiles.count == 52)
    }

    /// Huge or slow diffs are cut at the size and time limits, and the provenance says so.
    @Test func theDiffIsCappedBySizeAndTimeAndSaysSo() throws {
        let dir = try Self.repository()
        defer { try? FileManager.default.removeItem(at: dir) }
        try String(repeating: "line of text\n", count: 2_000).write(to: dir.appendingPathComponent("big.txt"), atomically: true, encoding: .utf8)
        try "two\n".write(to: dir.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        var small = GitRepository.DiffLimits()
        small.patchBytes = 1_000
        let (cut, patch) = GitRepository.provenance(at: dir.path, limits: small)
        #expect(cut.dirty && cut.changedFiles == ["a.txt", "big.txt"])
        #expect(cut.diffNote == "diff.patch is cut short: it would be over 1000 bytes (the limit)")
        let text = try #require(patch)
        #expect(text.utf8.count < 1_200 && text.contains("+two") && text.hasSuffix("# dpop: \(cut.diffNote!)\n"))
        #expect(cut.diffSHA256 == ContentHash.sha256(text))
        var instant = GitRepository.DiffLimits()
        instant.seconds = 0
        #expect(GitRepository.provenance(at: dir.path, limits: instant).0.diffNote == "diff.patch is cut short: writing it took over 0 s (the limit)")
        // A file over the per-file size shows as binary: its content is not read into the patch.
        var perFile = GitRepository.DiffLimits()
        perFile.fileBytes = 1_000
        let (_, binary) = GitRepository.provenance(at: dir.path, limits: perFile)
        #expect(binary?.contains("Binary files") == true && binary?.contains("+line of text") == false && binary?.contains("+two") == true)
        let (whole, full) = GitRepository.provenance(at: dir.path)
        #expect(whole.diffNote == nil && full?.contains("+line of text") == true)
    }
}
