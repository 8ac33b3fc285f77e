import API
import Foundation
import Testing

@testable import Registry

/// Registries written before the metrics were typed (manifest format 1: flat `[String: Double]`
/// maps with `live_` and `label_count.` keys) stay readable. `Fixtures/manifest_format1.json` is a
/// manifest an agent of that format wrote (labels trimmed to three).
@Suite struct ManifestFormatTests {
    static func format1() throws -> Data {
        try Data(contentsOf: fixturesDirectory().appendingPathComponent("manifest_format1.json"))
    }

    @Test func format1MetricsDecodeTyped() throws {
        let m = try RegistryJSON.decoder().decode(Manifest.self, from: Self.format1())
        #expect(m.format == 1)
        let holdout = try #require(m.holdoutMetrics)
        #expect(holdout.candidate == MetricValues(count: 20, accuracy: 0.15, logLoss: 3.1356505123992404))
        #expect(holdout.live == MetricValues(count: 20, accuracy: 0, logLoss: 5.183137170691357))
        let prequential = try #require(m.prequentialMetrics)
        #expect(prequential.cumulative == MetricValues(count: 3392, accuracy: 0.25265330188679247, logLoss: 3.0997135504466775))
        #expect(prequential.windowed == MetricValues(count: 200, accuracy: 0.31, logLoss: 2.8403813177335717))
        #expect(prequential.window == 200)
        #expect(prequential.labelCounts == ["admin": 78, "devel": 202, "doc": 240])
        #expect(m.offsets["examples"] == [0: 3392, 3: 17])
        #expect(m.offsets.next(topic: "examples", partition: 3) == 17)
    }

    /// A format-1 manifest in a real registry: listed and loaded with typed metrics, and rewritten
    /// in format 2 by the next status change without losing a number.
    @Test func format1VersionIsLoadedAndRewrittenAsFormat2() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        let written = try registry.write(makeSnapshot(seed: 1, examples: 10), reason: "test")
        // The version's manifest replaced by the format-1 one, keeping this version's files and identity.
        var old = try #require(try JSONSerialization.jsonObject(with: Self.format1()) as? [String: Any])
        let current = try #require(try JSONSerialization.jsonObject(
            with: RegistryJSON.encoder().encode(written)) as? [String: Any])
        for key in ["files", "version", "parent", "labels", "base_model_sha256", "trained_ids", "examples_trained", "steps"] {
            old[key] = current[key]
        }
        let url = versionDirectory(dir, 1).appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: old, options: [.prettyPrinted, .sortedKeys]).write(to: url)

        let loaded = try registry.load(1)
        #expect(loaded.manifest.format == 1)
        #expect(loaded.manifest.holdoutMetrics?.live?.accuracy == 0)
        #expect(loaded.manifest.prequentialMetrics?.labelCounts["doc"] == 240)
        #expect(try registry.versions().map(\.version) == [1])

        _ = try registry.promote(1, reason: "manual")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(#""format" : 2"#), "\(text)")
        #expect(!text.contains("label_count."), "\(text)")
        let rewritten = try registry.manifest(1)
        #expect(rewritten.holdoutMetrics == loaded.manifest.holdoutMetrics)
        #expect(rewritten.prequentialMetrics == loaded.manifest.prequentialMetrics)
        #expect(rewritten.offsets == loaded.manifest.offsets)
        #expect(rewritten.status == .live)
    }
}
