import Testing
@testable import DPOPReports

@Suite struct StatisticsTests {
    /// Two-sided 95% critical values as printed in t tables.
    @Test(arguments: [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042), (120, 1.980)])
    func tQuantileMatchesTable(df: Int, expected: Double) {
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: Double(df)) - expected) < 0.0006)
    }

    @Test func tQuantileOtherLevelsAndSymmetry() {
        #expect(abs(StudentT.quantile(0.995, degreesOfFreedom: 1) - 63.657) < 0.001)
        #expect(abs(StudentT.quantile(0.95, degreesOfFreedom: 5) - 2.015) < 0.0006)
        #expect(abs(StudentT.quantile(0.025, degreesOfFreedom: 2) + 4.303) < 0.0006)
        #expect(StudentT.quantile(0.5, degreesOfFreedom: 7) == 0)
        // Large df approaches the normal quantile.
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 1e6) - 1.95996) < 0.0001)
    }

    @Test func tCDFKnownValues() {
        // df = 1 is the Cauchy distribution: P(T ≤ 1) = 3/4.
        #expect(abs(StudentT.cdf(1, degreesOfFreedom: 1) - 0.75) < 1e-12)
        #expect(abs(StudentT.cdf(0, degreesOfFreedom: 3) - 0.5) < 1e-12)
        #expect(abs(StudentT.cdf(-2.228, degreesOfFreedom: 10) - 0.025) < 1e-4)
    }

    @Test func summaryOfThreeSeedsByHand() throws {
        // mean 2, deviations −1, 0, 1 → variance 2 / 2 = 1 → std 1; half-width 4.302653 · 1/√3 = 2.484138.
        let s = try #require(SampleSummary([1, 2, 3]))
        #expect(s.n == 3)
        #expect(s.mean == 2)
        #expect(s.std == 1)
        #expect(abs(s.ciLow! - (2 - 2.484138)) < 1e-4)
        #expect(abs(s.ciHigh! - (2 + 2.484138)) < 1e-4)
    }

    @Test func summaryOfTwoSeedsUsesSampleStd() throws {
        // Values −15 and −11: std = √8 ≈ 2.828 (not the population 2); half-width 12.706 · 2.828/√2 = 25.41.
        let s = try #require(SampleSummary([-15, -11]))
        #expect(abs(s.std! - 8.0.squareRoot()) < 1e-12)
        #expect(abs(s.ciHigh! - (-13 + 25.412)) < 1e-2)
        #expect(!s.isSignificantlyNegative)
    }

    @Test func summaryOfOneSeedHasNoSpread() throws {
        let s = try #require(SampleSummary([0.81]))
        #expect(s.n == 1 && s.mean == 0.81)
        #expect(s.std == nil && s.ciLow == nil && s.ciHigh == nil)
        #expect(!s.isSignificantlyNegative)
        #expect(TextFormat.meanStd(s) == "0.810 ± —")
    }

    @Test func summaryDropsNonFiniteAndEmpty() {
        #expect(SampleSummary([]) == nil)
        #expect(SampleSummary([.nan]) == nil)
        #expect(SampleSummary([1, .infinity, 3])?.n == 2)
    }

    @Test func failureModeNeedsTheWholeIntervalBelowZero() {
        #expect(FailureMode.shows(SampleSummary([-15, -12, -18])))
        #expect(!FailureMode.shows(SampleSummary([-5, 1, -9])))   // mean < 0 but CI crosses 0
        #expect(!FailureMode.shows(SampleSummary([-15])))         // one seed: no interval
        #expect(!FailureMode.shows(SampleSummary([0.1, 0.2, 0.05])))
    }

    @Test func numberFormatting() {
        #expect(TextFormat.meanStd(SampleSummary([-15.04 - 2.87, -15.04, -15.04 + 2.87])!) == "-15.0 ± 2.9")
        #expect(TextFormat.meanStd(SampleSummary([0.77, 0.81, 0.85])!) == "0.810 ± 0.040")
        #expect(TextFormat.fixed(-0.0001, 3) == "0.000")
        #expect(TextFormat.csvNumber(3) == "3")
        #expect(TextFormat.csvNumber(0.1) == "0.1")
        #expect(TextFormat.csvNumber(nil) == "")
    }
}
