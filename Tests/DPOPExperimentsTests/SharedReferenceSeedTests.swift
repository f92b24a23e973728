import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// `sft: {seed: N}`: one reference for every cell seed; specs without it keep their ids and cache keys.
@Suite struct SharedReferenceSeedTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let spec = """
    name: shared
    seeds: [0, 1, 2]
    model: {layers: 1, heads: 2, embedding: 16, context: 96}
    data: {task: arith, pairs: 100, steps: 1}
    sft: {steps: 5, seed: 7}
    train: {steps: 5}
    grid: {loss: [dpo, dpop]}
    """

    @Test func theReferenceSeedIsSharedAndThePreferenceSeedIsNot() throws {
        let cells = try SpecFixtures.parse(Self.spec).cells()
        #expect(cells.count == 6 && Set(cells.map(\.id)).count == 6)
        for cell in cells {
            let run = cell.config.runConfig
            #expect(cell.config.sft.seed == 7 && run.sft.seed == 7 && run.splitSeed == 7)
            #expect(run.train.seed == cell.config.seed)
        }
        #expect(Set(cells.map(\.config.seed)) == [0, 1, 2])
        let keys = try Set(cells.map { try ReferenceCache.Inputs(cell: $0.config, dataSHA256: "pairs").key })
        #expect(keys.count == 1, "one reference for all six cells")

        // Without it, each cell seed trains its own reference on its own split.
        let own = try SpecFixtures.parse(Self.spec.replacingOccurrences(of: ", seed: 7", with: "")).cells()
        for cell in own { #expect(cell.config.runConfig.sft.seed == cell.config.seed && cell.config.runConfig.splitSeed == cell.config.seed) }
        #expect(try Set(own.map { try ReferenceCache.Inputs(cell: $0.config, dataSHA256: "pairs").key }).count == 3)
    }

    @Test func aBadReferenceSeedIsReportedAtItsValue() {
        let messages = SpecFixtures.diagnostics(Self.spec.replacingOccurrences(of: "seed: 7", with: "seed: -1"))
        #expect(messages.contains { $0.line == 5 }, "\(messages.map(\.message))")
    }

    /// The shipped experiments, which do not set it, keep the cell ids and reference cache keys of their
    /// committed results.
    @Test func shippedSpecsKeepTheirCellIdsAndCacheKeys() throws {
        for name in ["quickstart", "edit-distance", "lambda-placement"] {
            let spec = try SpecLoader.load(path: Self.root.appendingPathComponent("experiments/\(name).yaml").path)
            let runs = Self.root.appendingPathComponent("results/\(name)/runs")
            let committed = Set(try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { !$0.hasPrefix(".") })
            let cells = spec.cells()
            #expect(Set(cells.map(\.id)) == committed, "\(name): cell ids changed")
            guard name == "quickstart" else { continue }
            // Generating the pairs costs a second or two in debug: checked on the smallest grid.
            let (_, sha) = try DatasetLoader.load(cells[0].config.data, context: cells[0].config.model.contextLength)
            for cell in cells {
                let record = try JSONSerialization.jsonObject(with: Data(contentsOf: runs.appendingPathComponent("\(cell.id)/run.json")))
                let key = (record as? [String: Any])?["referenceCacheKey"] as? String
                #expect(try ReferenceCache.Inputs(cell: cell.config, dataSHA256: sha).key == key, "\(name) \(cell.id)")
            }
        }
    }
}
