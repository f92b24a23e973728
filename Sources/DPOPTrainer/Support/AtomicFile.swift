import Foundation

/// Writes files so a reader never sees a half-written one: a temp file in the same folder, then rename.
public enum AtomicFile {
    /// Replaces `url` with `data` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileWrite.data(data, to: temp)
            if rename(temp.path, url.path) != 0 {
                throw DPOPError.io(path: url.path, message: "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }
}
