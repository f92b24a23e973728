import Foundation
import Testing
@testable import DPOPReports

@Suite struct TableTests {
    @Test func printFixtureTable() throws {
        let r = try Fixture.editDistance()
        let t = try ComparisonTable.build(r)
        let out = try TableRenderer(table: t, templates: .builtIn())
        print(try out.render(.md))
        let c = try PairedComparison.build(r, options: CompareOptions(baseline: CellSelector(parsing: "loss=dpo"), treatment: CellSelector(parsing: "loss=dpop")))
        let cr = try ComparisonRenderer(comparison: c, templates: .builtIn())
        print(try cr.render(.md))
        print(try cr.render(.csv))
        print(try cr.render(.json).prefix(3000))
    }
}
