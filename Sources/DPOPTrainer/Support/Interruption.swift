import Dispatch
import Foundation

/// SIGINT / SIGTERM as a request to stop training cleanly: the trainers ask `requested` every step and
/// throw `DPOPError.interrupted`, so a cell can record itself as interrupted instead of dying mid-write.
public enum Interruption {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var requestedSignal: Int32 = 0
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// The signal that asked to stop, or nil.
    public static var requested: Int32? {
        lock.lock(); defer { lock.unlock() }
        return requestedSignal == 0 ? nil : requestedSignal
    }

    /// Routes SIGINT and SIGTERM to the flag instead of killing the process; `onSignal` runs too.
    public static func install(onSignal: @escaping @Sendable (Int32) -> Void = { _ in }) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                lock.lock()
                let first = requestedSignal == 0
                if first { requestedSignal = sig }
                lock.unlock()
                onSignal(sig)
                // A second signal means "now": leave at once.
                if !first { exit(128 + sig) }
            }
            source.resume()
            sources.append(source)
        }
    }
}
