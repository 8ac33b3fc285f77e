import API
import Foundation
import Model
import Testing

@testable import Registry

@Suite struct WriteLoadTests {
    @Test func roundTripKeepsTensorsManifestAndChecksums() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        let snapshot = makeSnapshot(seed: 3, examples: 42)
        let written = try registry.write(snapshot, reason: "every 42 examples")
        #expect(written.version == 1)
        #expect(written.status == .candidate)

        let loaded = try registry.load(1)
        #expect(loaded.manifest == written)
        let byName = Dictionary(uniqueKeysWithValues: loaded.snapshot.tensors.map { ($0.name, $0) })
        #expect(byName.count == snapshot.tensors.count)
        for t in snapshot.tensors {
            #expect(byName[t.name]?.shape == t.shape, "shape of \(t.name)")
            #expect(byName[t.name]?.data == t.data, "values of \(t.name)")
        }
        #expect(loaded.snapshot.config == snapshot.config)
        #expect(loaded.snapshot.labels == ["neg", "pos"])
        #expect(loaded.snapshot.offsets.next(topic: "examples", partition: 0) == 42)
        #expect(loaded.snapshot.trainedIDs == TrainedIDsDigest((0..<42).map { "ex-\($0)" }))
        #expect(loaded.manifest.holdoutMetrics?.accuracy == 0.8)

        // The manifest's checksums agree with coreutils' sha256sum (an independent implementation).
        for name in ["adapter_model.safetensors", "adapter_config.json"] {
            let path = versionDirectory(dir, 1).appendingPathComponent(name).path
            let reference = try run("/usr/bin/sha256sum", [path]).split(separator: " ").first.map(String.init)
            #expect(written.files[name]?.sha256 == reference, "\(name)")
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            #expect(written.files[name]?.bytes == size)
        }
    }

    @Test func versionsAreSixDigitsAndIncreasing() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        for i in 1...3 { try registry.write(makeSnapshot(seed: Float(i)), reason: "s\(i)") }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("default/versions").path).sorted()
        #expect(names == ["000001", "000002", "000003"])
        #expect(try registry.versions().map(\.version) == [1, 2, 3])
        #expect(registry.newestDurable()?.version == 3)
    }

    @Test func manifestUsesStableFieldNames() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), reason: "names")
        let data = try Data(contentsOf: versionDirectory(dir, 1).appendingPathComponent("manifest.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expected: Set<String> = [
            "format", "adapter", "version", "parent", "created_at", "base_model_sha256", "labels", "examples_trained",
            "steps", "offsets", "durable_below", "trained_ids", "holdout_metrics", "prequential_metrics", "files", "status", "reason", "pinned",
        ]
        #expect(expected.isSubset(of: Set(object.keys)), "missing: \(expected.subtracting(object.keys))")
        #expect(object["version"] as? Int == 1)
        #expect((object["offsets"] as? [String: [String: Int]])?["examples"]?["0"] == 10)
        #expect((object["created_at"] as? String)?.hasSuffix("Z") == true)
        let digest = try #require(object["trained_ids"] as? [String: Any])
        #expect(digest["count"] as? Int == 10)
        #expect((digest["sum"] as? String)?.count == 16)
    }

    @Test func nonFiniteWeightsOnlyAsRejected() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        var snapshot = makeSnapshot()
        snapshot.tensors[1].data[0] = .nan
        let message = expectRegistryError { try registry.write(snapshot, reason: "nan") }
        #expect(message.contains(snapshot.tensors[1].name))
        let rejected = try registry.write(snapshot, status: .rejected, reason: "loss diverged")
        #expect(rejected.status == .rejected)
        // ...and promoting it is refused because of the NaN.
        let promote = expectRegistryError { try registry.promote(rejected.version, reason: "force") }
        #expect(promote.contains("non-finite"))
    }

    @Test func shapeMismatchIsRefused() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        var snapshot = makeSnapshot()
        snapshot.tensors[0].shape = [3, 3]
        let message = expectRegistryError { try registry.write(snapshot, reason: "bad") }
        #expect(message.contains(snapshot.tensors[0].name) && message.contains("[3, 3]"))
        #expect(try registry.versions().isEmpty)
    }

    @Test func adaptersAreListedAndNamesChecked() throws {
        let dir = TempDirectory()
        _ = try makeRegistry(dir, adapter: "spam-filter")
        _ = try makeRegistry(dir, adapter: "default")
        #expect(AdapterRegistry.adapters(in: dir.url) == ["default", "spam-filter"])
        #expect(expectRegistryError { _ = try makeRegistry(dir, adapter: "../etc") }.contains("invalid adapter name"))
        #expect(expectRegistryError { _ = try AdapterRegistry(root: dir.url, adapter: "nope", create: false) }.contains("no adapter 'nope'"))
    }
}
