import Foundation

/// Runs a Slurm client tool (`sbatch`, `squeue`) found on PATH, with a time limit, and captures
/// its exit status and output.
public struct SlurmCommand: Sendable {
    /// What the tool did.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The tool's name, looked up on PATH.
    public var tool: String
    /// Seconds before the tool is killed and `SlurmError.timedOut` thrown.
    public var timeout: Double

    public init(_ tool: String, timeout: Double = 60) {
        self.tool = tool
        self.timeout = timeout
    }

    /// The tool's absolute path, nil when it is not on PATH.
    public var executable: String? {
        Self.find(tool, path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
    }

    /// The first executable `name` in the colon-separated `path`.
    public static func find(_ name: String, path: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    /// Runs the tool with `arguments`; throws `toolNotFound` or `timedOut`, never for a non-zero exit.
    public func run(_ arguments: [String]) throws -> Result {
        guard let executable else { throw SlurmError.toolNotFound(tool) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes while the tool runs, so a large output cannot fill a pipe and block it.
        let group = DispatchGroup()
        let buffers = OutputBuffers()
        for (index, pipe) in [out, err].enumerated() {
            DispatchQueue.global().async(group: group) {
                buffers.set(index, pipe.fileHandleForReading.readDataToEndOfFile())
            }
        }
        let killer = DispatchWorkItem {
            if process.isRunning {
                buffers.timedOut = true
                process.terminate()
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        process.waitUntilExit()
        killer.cancel()
        group.wait()
        if buffers.timedOut {
            throw SlurmError.timedOut(command: ([tool] + arguments).joined(separator: " "), seconds: timeout)
        }
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: buffers.get(0), as: UTF8.self),
                      stderr: String(decoding: buffers.get(1), as: UTF8.self))
    }
}

/// Two byte buffers filled from reader threads, and whether the time limit struck.
private final class OutputBuffers: @unchecked Sendable {
    private let lock = NSLock()
    private var data = [Data(), Data()]
    private var expired = false

    var timedOut: Bool {
        get { lock.lock(); defer { lock.unlock() }; return expired }
        set { lock.lock(); expired = newValue; lock.unlock() }
    }

    func set(_ index: Int, _ value: Data) {
        lock.lock()
        data[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> Data {
        lock.lock()
        defer { lock.unlock() }
        return data[index]
    }
}
