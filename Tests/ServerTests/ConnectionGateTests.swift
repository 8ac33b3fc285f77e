import Testing

@testable import Server

/// The connection limit leaves descriptors free whatever `server.max_connections` says.
@Suite struct ConnectionGateTests {
    @Test("the configured limit stands while it leaves a quarter of the descriptors (at least 128) free, and is lowered otherwise",
          arguments: [
              (requested: 512, descriptors: 1_024 as Int?, expected: 512),
              (requested: 100_000, descriptors: 1_024, expected: 768),
              (requested: 100_000, descriptors: 256, expected: 128),
              (requested: 100_000, descriptors: 8_192, expected: 6_144),
              (requested: 64, descriptors: 100, expected: 1),
              (requested: 100_000, descriptors: nil, expected: 100_000),
          ])
    func limitLeavesDescriptorsFree(requested: Int, descriptors: Int?, expected: Int) {
        let gate = ConnectionGate(maxConnections: requested, descriptorLimit: descriptors)
        #expect(gate.maxConnections == expected)
        #expect(gate.requestedConnections == requested)
    }
}
