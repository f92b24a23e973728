import Foundation
import Synchronization

/// A test seam: makes `FileWrite`'s writes under a folder fail with ENOSPC once a byte budget is
/// spent, as a nearly full disk would: a write that does not fit in what is left fails (writing
/// nothing), a smaller one after it may still fit. Scoped by folder, so tests running in parallel
/// do not see each other's full disks.
public enum SimulatedDiskFull {
    private static let budgets = Mutex<[String: Int]>([:])

    /// From now on, writes under `folder` fail after `bytes` more bytes.
    public static func fill(_ folder: URL, after bytes: Int) {
        budgets.withLock { $0[folder.standardizedFileURL.path] = bytes }
    }

    /// The disk under `folder` has room again.
    public static func clear(_ folder: URL) {
        _ = budgets.withLock { $0.removeValue(forKey: folder.standardizedFileURL.path) }
    }

    /// Spends `count` bytes of the budget that covers `path`; ENOSPC when they do not fit.
    static func consume(_ count: Int, at path: String) -> Int32? {
        budgets.withLock { budgets in
            guard !budgets.isEmpty else { return nil }
            let full = URL(fileURLWithPath: path).standardizedFileURL.path
            guard let folder = budgets.keys.first(where: { full.hasPrefix($0 + "/") }) else { return nil }
            let left = budgets[folder]!
            guard count <= left else { return ENOSPC }
            budgets[folder] = left - count
            return nil
        }
    }
}
