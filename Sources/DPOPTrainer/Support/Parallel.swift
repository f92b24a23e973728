import Dispatch
import Foundation
import Synchronization

/// Splits row-parallel kernel work into contiguous chunks run on all cores.
public enum Parallel {
    /// Most chunks any kernel uses; per-chunk scratch buffers are sized for this many.
    public static let maxWorkers = 8

    /// The process's worker count: every core, or `--threads`, set once at start-up by the CLI.
    private static let processWorkers = Atomic<Int>(clamped(ProcessInfo.processInfo.activeProcessorCount))
    /// A worker count bound for one task and what it calls (`withWorkers`); nil outside such a scope.
    @TaskLocal private static var scopedWorkers: Int?

    /// Number of chunks the row-parallel kernels use: the innermost `withWorkers` scope's, else the process's.
    public static var workers: Int { scopedWorkers ?? processWorkers.load(ordering: .relaxed) }

    /// Sets the process's worker count (clamped to 1...maxWorkers); the CLI calls it once, before any work.
    public static func setProcessWorkers(_ count: Int) {
        processWorkers.store(clamped(count), ordering: .relaxed)
    }

    /// Runs `body` with `count` workers (clamped) for this task only, so tests and benchmarks that
    /// vary the count do not change it under suites running beside them.
    public static func withWorkers<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        try $scopedWorkers.withValue(clamped(count), operation: body)
    }

    private static func clamped(_ count: Int) -> Int { max(1, min(maxWorkers, count)) }

    /// Runs `body` on contiguous sub-ranges of `0..<count` in parallel; chunk `i` gets index `i`.
    @inline(__always)
    public static func forChunks(_ count: Int, minimumPerChunk: Int = 1,
                                 _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let chunks = max(1, min(workers, count / max(1, minimumPerChunk)))
        if chunks == 1 {
            body(0, 0..<count)
            return
        }
        // The chunks write disjoint ranges of the caller's buffers; that is what makes sharing the
        // non-Sendable body across the workers safe, and the compiler cannot see it.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                shared.value(c, (count * c / chunks)..<(count * (c + 1) / chunks))
            }
        }
    }

    /// How many blocks `forBlocks` should cut `count` items into: at least `minimumPerBlock` each, at
    /// most `maxWorkers` — a function of the sizes only, never of `workers`.
    @inline(__always)
    public static func blockCount(_ count: Int, minimumPerBlock: Int) -> Int {
        max(1, min(maxWorkers, count / max(1, minimumPerBlock)))
    }

    /// Runs `body` on `blocks` contiguous sub-ranges of `0..<count`, spread over the workers. The cut
    /// does not depend on the thread count, so per-block partial sums added in block order give the
    /// same floats with `--threads 1` as with `--threads 8`.
    @inline(__always)
    public static func forBlocks(_ count: Int, blocks: Int, _ body: (_ block: Int, _ range: Range<Int>) -> Void) {
        forChunks(blocks) { _, owned in
            for b in owned { body(b, (count * b / blocks)..<(count * (b + 1) / blocks)) }
        }
    }
}

/// A value shared across threads on the caller's word that the threads touch disjoint data.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
