import Foundation
import Synchronization

/// The lock files this process holds (or is taking), by path: keeps threads of one process from
/// claiming the same lock, and keeps the holder's descriptor open until `CellLock.release`.
final class HeldLocks: Sendable {
    static let shared = HeldLocks()

    private enum State {
        case taking
        case held(descriptor: Int32, lock: CellLock)
    }

    private let entries = Mutex<[String: State]>([:])

    private static func key(_ url: URL) -> String { url.standardizedFileURL.path }

    /// Marks `url` as being taken by the calling thread; false when this process holds or takes it already.
    func reserve(_ url: URL) -> Bool {
        entries.withLock { entries in
            let key = Self.key(url)
            guard entries[key] == nil else { return false }
            entries[key] = .taking
            return true
        }
    }

    /// The reservation became a held lock.
    func commit(_ url: URL, descriptor: Int32, lock: CellLock) {
        entries.withLock { $0[Self.key(url)] = .held(descriptor: descriptor, lock: lock) }
    }

    /// The reservation came to nothing.
    func cancel(_ url: URL) {
        entries.withLock { entries in
            if case .taking = entries[Self.key(url)] { entries[Self.key(url)] = nil }
        }
    }

    /// Forgets a held lock and hands back its descriptor (nil when this process does not hold it).
    func remove(_ url: URL) -> Int32? {
        entries.withLock { entries in
            guard case .held(let fd, _) = entries[Self.key(url)] else { return nil }
            entries[Self.key(url)] = nil
            return fd
        }
    }

    /// What this process wrote into a lock it holds.
    func lock(at url: URL) -> CellLock? {
        entries.withLock { entries in
            guard case .held(_, let lock) = entries[Self.key(url)] else { return nil }
            return lock
        }
    }
}
