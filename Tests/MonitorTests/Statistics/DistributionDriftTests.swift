import SeededRandom
import Testing
@testable import Monitor

@Suite("Jensen–Shannon and PSI match SciPy / NumPy")
struct DistributionDriftTests {
    @Test("categorical JS divergence (base 2) and PSI", arguments: StatsFixture.categoricalNames)
    func categorical(name: String) throws {
        let fixture = try StatsFixture.shared.get()
        let c = try #require(fixture.categorical(name), "case \(name) missing")
        let js = try #require(DistributionDrift.jensenShannon(reference: c.reference, current: c.current))
        #expect(close(js, c.js), "JS \(js) vs SciPy \(c.js)")
        // SciPy returns the distance; the divergence is its square.
        #expect(close(js.squareRoot(), c.js_distance_scipy, 1e-8))
        let smoothed = try #require(DistributionDrift.jensenShannon(
            reference: c.reference, current: c.current, pseudocount: 0.5))
        #expect(close(smoothed, c.js_pseudocount_0_5), "smoothed JS \(smoothed) vs \(c.js_pseudocount_0_5)")
        let psi = try #require(DistributionDrift.populationStabilityIndex(
            reference: c.reference, current: c.current, epsilon: fixture.eps))
        #expect(close(psi, c.psi), "PSI \(psi) vs NumPy \(c.psi)")
    }

    @Test("bounds: identical windows give 0, disjoint windows give JS = 1")
    func bounds() throws {
        let fixture = try StatsFixture.shared.get()
        let same = try #require(fixture.categorical("scaled_identical"))
        #expect(DistributionDrift.jensenShannon(reference: same.reference, current: same.current) == 0)
        #expect(DistributionDrift.populationStabilityIndex(reference: same.reference, current: same.current) == 0)
        let disjoint = try #require(fixture.categorical("disjoint"))
        let js = try #require(DistributionDrift.jensenShannon(reference: disjoint.reference, current: disjoint.current))
        #expect(abs(js - 1) < 1e-12)
    }

    @Test("empty windows have no divergence")
    func emptyWindows() {
        let empty: [String: Double] = [:]
        #expect(DistributionDrift.jensenShannon(reference: ["a": 1], current: empty) == nil)
        #expect(DistributionDrift.populationStabilityIndex(reference: empty, current: ["a": 1]) == nil)
        #expect(DistributionDrift.jensenShannon(p: [1, 2], q: [1]) == nil)
    }
}

@Suite("Quantile bins and numeric PSI match NumPy")
struct QuantileBinsTests {
    @Test("edges, bin counts and PSI", arguments: StatsFixture.numericNames)
    func numeric(name: String) throws {
        let fixture = try StatsFixture.shared.get()
        let c = try #require(fixture.numeric(name), "case \(name) missing")
        let bins = QuantileBins(reference: c.reference, bins: c.bins)
        #expect(bins.edges.count == c.edges.count)
        for (mine, numpy) in zip(bins.edges, c.edges) {
            #expect(mine == numpy, "edge \(mine) vs NumPy \(numpy)")
        }
        #expect(bins.counts(c.reference) == c.reference_counts)
        #expect(bins.counts(c.current) == c.current_counts)
        let psi = try #require(DistributionDrift.populationStabilityIndex(
            referenceCounts: bins.counts(c.reference).map(Double.init),
            currentCounts: bins.counts(c.current).map(Double.init), epsilon: fixture.eps))
        #expect(close(psi, c.psi), "PSI \(psi) vs NumPy \(c.psi)")
    }

    @Test("values on an edge fall in the lower bin; outer bins are open")
    func edgeSemantics() {
        let bins = QuantileBins(edges: [1, 2, 3])
        #expect(bins.index(of: -100) == 0)
        #expect(bins.index(of: 1) == 0)
        #expect(bins.index(of: 1.5) == 1)
        #expect(bins.index(of: 2) == 1)
        #expect(bins.index(of: 3) == 2)
        #expect(bins.index(of: 3.0000001) == 3)
        #expect(bins.binCount == 4)
    }

    @Test("a constant reference collapses to a single edge")
    func constantReference() {
        let bins = QuantileBins(reference: Array(repeating: 7, count: 50), bins: 10)
        #expect(bins.edges == [7])
        #expect(bins.counts([6, 7, 8]) == [2, 1])
    }
}

@Suite("Seeded random projections match the fixture generator")
struct RandomProjectionTests {
    @Test("SplitMix64 and Box–Muller directions equal the Python reimplementation")
    func directions() throws {
        let p = try StatsFixture.shared.get().projection
        var rng = SplitMix64(seed: 7)
        #expect(String(rng.next()) == p.splitmix_seed7_first)
        var rng2 = SplitMix64(seed: 7)
        #expect(rng2.nextUnit() == p.uniforms_seed7[0])
        let projection = RandomProjection(seed: p.seed, count: p.k, dimension: p.dim)
        #expect(projection.directions.count == p.directions.count)
        for (mine, ref) in zip(projection.directions, p.directions) {
            #expect(mine.count == ref.count)
            for (a, b) in zip(mine, ref) { #expect(close(a, b, 1e-12), "\(a) vs \(b)") }
            let norm = mine.reduce(0) { $0 + $1 * $1 }
            #expect(abs(norm - 1) < 1e-12)
        }
    }

    @Test("projection is a dot product with each direction; Float input accepted")
    func project() {
        let projection = RandomProjection(seed: 1, count: 2, dimension: 3)
        let v: [Float] = [1, 0, 0]
        let out = projection.project(v)
        #expect(out == [projection.directions[0][0], projection.directions[1][0]])
        #expect(RandomProjection(seed: 1, count: 2, dimension: 3) == projection)
        #expect(RandomProjection(seed: 2, count: 2, dimension: 3) != projection)
    }
}
