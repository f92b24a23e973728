import Dispatch
import Foundation

/// SIGINT / SIGTERM / SIGHUP as a request to stop training cleanly: the trainers ask `requested` every step and
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

    /// Routes SIGINT, SIGTERM and SIGHUP (the terminal closed) to the flag instead of killing the
    /// process; `onSignal` runs too.
    public static func install(onSignal: @escaping @Sendable (Int32) -> Void = { _ in }) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
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

    nonisolated(unsafe) private static var parentWatch: DispatchSourceTimer?

    /// Sends this process SIGTERM (a clean stop, through `install`'s handler) once its parent is no
    /// longer `parent`: a child stops with the runner that started it, however that runner died
    /// (`kill -9` included), instead of training on as an orphan. Polls twice a second; `getppid`
    /// changes when the parent exits, and already differs if it died before this was called.
    public static func stopWhenParentExits(_ parent: Int32) {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(500))
        timer.setEventHandler {
            guard getppid() != parent else { return }
            timer.cancel()
            kill(getpid(), SIGTERM)
        }
        timer.resume()
        lock.lock()
        parentWatch = timer
        lock.unlock()
    }
}
