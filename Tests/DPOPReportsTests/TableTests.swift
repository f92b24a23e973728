import Foundation
import Testing
@testable import DPOPReports

@Suite struct TableTests {
    @Test func printFixtureTable() throws {
        let r = try Fixture.editDistance()
        let t = try ComparisonTable.build(r)
        let out = try TableRenderer(table: t, templates: .builtIn())
        print(try out.render(.md))
        print(try out.render(.csv))
        print(try out.render(.html))
        let t2 = try ComparisonTable.build(r, options: TableOptions(cols: ["bucket"], metrics: ["logps/chosen_delta"]))
        print(try TableRenderer(table: t2, templates: .builtIn()).render(.md))
    }
}
