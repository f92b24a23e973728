import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// `data.bucket_by` and `data.quantile`: what cells they make, the errors at `line:col`, and unchanged ids
/// for specs without them.
struct BucketBySpecTests {
    static func located(_ yaml: String) -> [String] {
        SpecFixtures.diagnostics(yaml).map { "\($0.line):\($0.column) \($0.message)" }
    }

    static func ids(_ yaml: String) throws -> [String] { try SpecFixtures.parse(yaml).cells().map(\.id) }

    @Test func idsWithoutBucketByAreUnchanged() throws {
        let base = try Self.ids(SpecFixtures.example)
        let explicit = SpecFixtures.example.replacingOccurrences(
            of: "  buckets: {low: [1, 3]", with: "  bucket_by: edit_distance\n  quantile: false\n  buckets: {low: [1, 3]")
        #expect(explicit != SpecFixtures.example)
        #expect(try Self.ids(explicit) == base)
        let json = String(decoding: try SpecFixtures.parse(SpecFixtures.example).cells()[0].config.canonicalJSON(), as: UTF8.self)
        #expect(!json.contains("bucketBy") && !json.contains("quantile"))
        // bucket_by: normalised_edit_distance is normalised: true, id for id.
        let normalised = "name: x\ndata: {task: arith, normalised: true, buckets: {low: [0, 0.1], high: [0.2, 1]}}\ngrid: {bucket: [low, high]}\n"
        let byName = "name: x\ndata: {task: arith, bucket_by: normalised_edit_distance, buckets: {low: [0, 0.1], high: [0.2, 1]}}\ngrid: {bucket: [low, high]}\n"
        #expect(try Self.ids(byName) == Self.ids(normalised))
    }

    @Test func chesQuantileCells() throws {
        let spec = try SpecFixtures.parse("""
        name: x
        data: {task: arith, bucket_by: ches, quantile: true, buckets: {low: [0, 0.5], high: [0.5, 1]}}
        grid: {bucket: [low, high]}
        """)
        let cells = spec.cells()
        #expect(cells.map(\.config.bucket) == ["low", "high"])
        #expect(cells.allSatisfy { $0.config.data.bucketBy == "ches" && $0.config.data.quantile == true })
        #expect(cells[0].config.data.buckets == ["low=0..0.5", "high=0.5..1"])
        let buckets = try #require(try cells[0].config.runConfig.statisticBuckets())
        #expect(buckets.statistic == .ches && buckets.quantile && buckets.buckets.map(\.name) == ["low", "high"])
        #expect(try cells[0].config.runConfig.editDistanceBuckets() == nil)
        // Another statistic is another cell; absolute CHES bounds may be negative.
        let absolute = try SpecFixtures.parse("name: x\ndata: {task: arith, bucket_by: ches_normalised, buckets: {neg: [-.inf, -0.5], pos: [0, .inf]}}\n")
        #expect(absolute.cells()[0].config.data.buckets == ["neg=-inf..-0.5", "pos=0..inf"])
        #expect(Set(try Self.ids("name: x\ndata: {task: arith, bucket_by: ches_normalised, quantile: true, buckets: {low: [0, 0.5], high: [0.5, 1]}}\ngrid: {bucket: [low, high]}\n"))
                .isDisjoint(with: cells.map(\.id)))
    }

    @Test func errorsAtTheirKey() {
        let unknown = SpecFixtures.diagnostics("name: x\ndata: {task: arith, bucket_by: chess, buckets: {low: [0, 1]}}\n")
        #expect(unknown.map { "\($0.line):\($0.column)" } == ["2:32"])
        #expect(unknown.first?.message.contains("chess") == true)
        #expect(unknown.first?.hint?.contains("'ches'") == true)
        #expect(Self.located("name: x\ndata: {task: arith, bucket_by: ches, quantile: true, buckets: {low: [0, 0.5], high: [0.5, 1.5]}}\n") == [
            "2:91 ches quantile bucket 'high=0.5..1.5': quantile bounds lie in [0, 1]",
        ])
        #expect(Self.located("name: x\ndata: {task: arith, quantile: true, buckets: {low: [0, 0.6], high: [0.5, 1]}}\n") == [
            "2:62 buckets 'low=0..0.6' and 'high=0.5..1' overlap",
        ])
        #expect(Self.located("name: x\ndata: {task: arith, buckets: {low: [-1, 3]}}\n") == [
            "2:37 lower bound of bucket 'low' must be a finite number >= 0 for edit distances, got -1",
        ])
        #expect(Self.located("name: x\ndata: {task: arith, normalised: true, bucket_by: ches, buckets: {low: [0, 1]}}\n") == [
            "2:33 data.normalised: true scales edit-distance buckets; with data.bucket_by: ches it has no meaning",
        ])
        #expect(Self.located("name: x\ndata: {task: arith, bucket_by: ches}\n") == [
            "2:32 data.bucket_by / data.quantile are set but data.buckets defines no buckets",
        ])
    }
}
