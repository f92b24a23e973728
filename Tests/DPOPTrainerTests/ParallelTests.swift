import Foundation
import Synchronization
import Testing
@testable import DPOPTrainer

/// The worker count is scoped to a task: a test that varies it cannot change it for suites running beside it.
struct ParallelTests {
    @Test func aWorkerScopeSetsTheChunkCountForItsTaskOnly() async {
        let outside = Parallel.workers
        let chunksSeen = Mutex<Set<Int>>([])
        Parallel.withWorkers(3) {
            #expect(Parallel.workers == 3)
            Parallel.forChunks(300) { chunk, _ in _ = chunksSeen.withLock { $0.insert(chunk) } }
            Parallel.withWorkers(100) { #expect(Parallel.workers == Parallel.maxWorkers) }
            Parallel.withWorkers(0) { #expect(Parallel.workers == 1) }
        }
        #expect(chunksSeen.withLock { $0 } == [0, 1, 2])
        #expect(Parallel.workers == outside)
        // A task running while another holds a scope sees the process's count, not the scope's.
        let (inScope, beside) = await (
            Task { Parallel.withWorkers(outside == 1 ? 2 : 1) { () -> Int in usleep(20_000); return Parallel.workers } }.value,
            Task { () -> Int in usleep(5_000); return Parallel.workers }.value)
        #expect(inScope == (outside == 1 ? 2 : 1))
        #expect(beside == outside)
    }
}
