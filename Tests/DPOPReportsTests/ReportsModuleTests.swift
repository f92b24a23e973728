import Testing
@testable import DPOPReports

@Suite struct ReportsModuleTests {
    @Test func formatVersionIsSet() { #expect(DPOPReportsModule.formatVersion >= 1) }
}
