import Foundation

/// Writes of result files through plain `write(2)`, so a full disk becomes `DPOPError.diskFull`
/// with the path and the bytes that did not fit (not a Foundation error dump), a failed write
/// leaves no partial file, and tests can fill a disk (`SimulatedDiskFull`).
public enum FileWrite {
    /// Writes `data` to `url`, creating or truncating it; on failure the partial file is removed.
    public static func data(_ data: Data, to url: URL) throws {
        let file = try Appender(url, truncate: true)
        do {
            try file.write(data)
            try file.close()
        } catch {
            try? file.close()
            unlink(url.path)
            throw error
        }
    }

    /// A file opened for appending (`O_APPEND`: writers sharing it never overwrite each other).
    public final class Appender {
        public let path: String
        /// The descriptor, for handing to a child process as its output.
        public let descriptor: Int32
        private var isOpen = true

        /// Opens `url` for appending, creating it; `truncate` empties it first.
        public init(_ url: URL, truncate: Bool = false) throws {
            path = url.path
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o644)
            guard fd >= 0 else { throw FileWrite.error(errno, bytes: nil, path: url.path, doing: "cannot open for writing") }
            descriptor = fd
        }

        deinit { if isOpen { Foundation.close(descriptor) } }

        /// Appends all of `data`.
        public func write(_ data: Data) throws {
            var written = 0
            while written < data.count {
                if let code = SimulatedDiskFull.consume(data.count - written, at: path) {
                    throw FileWrite.error(code, bytes: data.count - written, path: path, doing: "cannot write")
                }
                let n = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, data.count - written) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw FileWrite.error(errno, bytes: data.count - written, path: path, doing: "cannot write") }
                written += n
            }
        }

        /// Closes the file (a no-op the second time); NFS may report a failed write only here.
        public func close() throws {
            guard isOpen else { return }
            isOpen = false
            if Foundation.close(descriptor) != 0 {
                throw FileWrite.error(errno, bytes: nil, path: path, doing: "cannot close")
            }
        }
    }

    /// The error for a failed system call on `path`: `diskFull` for ENOSPC and EDQUOT, else `io`.
    public static func error(_ code: Int32, bytes: Int?, path: String, doing: String) -> DPOPError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path, bytesNeeded: bytes) }
        return .io(path: path, message: "\(doing): \(String(cString: strerror(code)))")
    }

    /// `error` as `DPOPError.diskFull` when it is Foundation's or POSIX's "no space left" (from
    /// FileManager, say), else unchanged.
    public static func diskFullOrSelf(_ error: Error) -> Error {
        if error is DPOPError { return error }
        let ns = error as NSError
        let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError
        let full = (ns.domain == NSCocoaErrorDomain && ns.code == CocoaError.fileWriteOutOfSpace.rawValue)
            || (ns.domain == NSPOSIXErrorDomain && (ns.code == Int(ENOSPC) || ns.code == Int(EDQUOT)))
            || (underlying?.domain == NSPOSIXErrorDomain && (underlying?.code == Int(ENOSPC) || underlying?.code == Int(EDQUOT)))
        guard full else { return error }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path ?? "an unknown path"
        return DPOPError.diskFull(path: path, bytesNeeded: nil)
    }
}
