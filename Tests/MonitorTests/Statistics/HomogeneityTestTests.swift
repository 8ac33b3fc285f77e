import Foundation
import Testing
@testable import Monitor

/// `homogeneity_tests.json`, written by `Fixtures/make_homogeneity_fixtures.py` (SciPy).
struct HomogeneityFixture: Decodable {
    struct SurvivalPoint: Decodable {
        let x: Double
        let df: Int
        let sf: Double
    }
    struct GCase: Decodable {
        let name: String
        let reference: [Double]
        let current: [Double]
        let statistic: Double
        let df: Int
        let p_value: Double
        let pooled: Int
    }
    struct Holm: Decodable {
        let p: [Double]
        let adjusted: [Double]
    }
    let chi2_sf: [SurvivalPoint]
    let g_tests: [GCase]
    let holm: Holm

    static let shared: Result<HomogeneityFixture, any Error> = Result {
        try Fixtures.load("homogeneity_tests", as: HomogeneityFixture.self)
    }
}

@Suite("G-test, chi-square tail and Holm against SciPy")
struct HomogeneityTestTests {
    @Test("chi-square survival matches scipy.stats.chi2.sf, deep tail included")
    func survival() throws {
        let f = try HomogeneityFixture.shared.get()
        #expect(f.chi2_sf.count >= 40)
        #expect(f.chi2_sf.contains { $0.sf < 1e-20 }, "the fixture must reach the deep tail")
        for point in f.chi2_sf {
            let value = ChiSquare.survival(point.x, degreesOfFreedom: Double(point.df))
            #expect(close(value, point.sf, 1e-9) || abs(value - point.sf) <= 1e-10 * point.sf,
                    "x \(point.x) df \(point.df): \(value) vs \(point.sf)")
        }
    }

    @Test("G statistic, degrees of freedom, p-value and pooling match chi2_contingency(lambda_='log-likelihood')")
    func gTests() throws {
        let f = try HomogeneityFixture.shared.get()
        #expect(f.g_tests.count == 7)
        for c in f.g_tests {
            let result = try #require(HomogeneityTest.gTest(reference: c.reference, current: c.current), "\(c.name)")
            #expect(close(result.statistic, c.statistic, 1e-9), "\(c.name): G \(result.statistic) vs \(c.statistic)")
            #expect(result.degreesOfFreedom == c.df, "\(c.name)")
            #expect(close(result.pValue, c.p_value, 1e-8), "\(c.name): p \(result.pValue) vs \(c.p_value)")
            #expect(result.pooledCategories == c.pooled, "\(c.name)")
        }
    }

    @Test("58 sparse labels from one distribution: PSI looks alarming, the G-test does not")
    func sparseLabelsAreNotDrift() throws {
        let f = try HomogeneityFixture.shared.get()
        let same = try #require(f.g_tests.first { $0.name == "sparse_58_same_distribution" })
        let psi = try #require(DistributionDrift.populationStabilityIndex(referenceCounts: same.reference,
                                                                          currentCounts: same.current))
        #expect(psi > 0.1, "the fixture must show PSI's small-sample bias (PSI \(psi) over its 'moderate shift' cut)")
        #expect(try #require(HomogeneityTest.gTest(reference: same.reference, current: same.current)).pValue > 0.05)
        let shifted = try #require(f.g_tests.first { $0.name == "sparse_58_shifted" })
        #expect(try #require(HomogeneityTest.gTest(reference: shifted.reference, current: shifted.current)).pValue < 1e-6)
    }

    @Test("Holm adjustment")
    func holm() throws {
        let f = try HomogeneityFixture.shared.get()
        let adjusted = HomogeneityTest.holm(f.holm.p)
        #expect(adjusted.count == f.holm.adjusted.count)
        for (a, b) in zip(adjusted, f.holm.adjusted) { #expect(close(a, b, 1e-12)) }
    }

    @Test("appearance probability: all n occurrences in a window holding a share s is sⁿ")
    func appearance() {
        #expect(close(HomogeneityTest.appearance(count: 3, share: 1.0 / 3), 1.0 / 27, 1e-15))
        #expect(HomogeneityTest.appearance(count: 0, share: 0.5) == 1)
    }
}
