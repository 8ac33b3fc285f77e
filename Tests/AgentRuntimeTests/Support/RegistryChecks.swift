import Threads
import Foundation
import Learner
import Registry
import Stream

/// Checks of a registry left behind by a (killed or stopped) agent, written against §5/§6 of the
/// design, not against the agent's own bookkeeping.
enum RegistryChecks {
    struct Scan {
        /// Version directories present, each verified (checksums match its manifest).
        var verified: [Version] = []
        /// `*.tmp` leftovers of interrupted writes (ignored by readers, cleaned on open).
        var leftovers = 0
    }

    /// Verifies every version directory of `adapter` and the `LIVE` pointer.
    /// - Throws: naming the torn or corrupt version, an unexpected entry, or a dangling `LIVE`.
    static func scan(root: URL, adapter: String) throws -> Scan {
        let adapterDirectory = root.appendingPathComponent(adapter)
        let versionsDirectory = adapterDirectory.appendingPathComponent("versions")
        var scan = Scan()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: versionsDirectory.path)) ?? []
        let adapterNames = (try? FileManager.default.contentsOfDirectory(atPath: adapterDirectory.path)) ?? []
        scan.leftovers = (names + adapterNames).filter { $0.hasSuffix(".tmp") }.count
        guard !names.isEmpty || FileManager.default.fileExists(atPath: versionsDirectory.path) else { return scan }
        // Count leftovers before opening: opening the store cleans them.
        let registry = try AdapterRegistry(root: root, adapter: adapter, create: false)
        for name in names.sorted() where !name.hasSuffix(".tmp") {
            guard name.count == 6, name.allSatisfy(\.isNumber), let version = Version(name) else {
                throw TestFailure("unexpected entry \(versionsDirectory.path)/\(name)")
            }
            do {
                let manifest = try registry.verify(version)
                guard manifest.version == version else {
                    throw TestFailure("\(name): manifest names version \(manifest.version)")
                }
            } catch let error as TestFailure {
                throw error
            } catch {
                throw TestFailure("torn or corrupt version \(name): \(error)")
            }
            scan.verified.append(version)
        }
        if let live = try registry.live() {
            guard scan.verified.contains(live) else {
                throw TestFailure("LIVE names \(live), which is not a verified version (have \(scan.verified))")
            }
        }
        return scan
    }

    /// The newest durable manifest of `adapter`, or nil when it has none yet.
    static func newestDurable(root: URL, adapter: String) throws -> Manifest? {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(adapter).appendingPathComponent("versions").path)
        else { return nil }
        return try AdapterRegistry(root: root, adapter: adapter, create: false).newestDurable()
    }

    /// A manifest's next offsets for `topic`, by partition number.
    static func offsets(_ manifest: Manifest?, topic: String) -> [Int32: Int64] {
        manifest?.offsets[topic] ?? [:]
    }

    /// The ids a manifest must have trained: produced below its offsets, minus the holdout slice
    /// (the pipeline's rule: `HoldoutSplitter(share:)` on `ExampleKey.id`).
    static func expectedIDs(_ log: ProducedLog, below next: [Int32: Int64], holdoutShare: Double) -> [String] {
        let splitter = HoldoutSplitter(share: holdoutShare)
        return log.ids(below: next).filter { !splitter.isHoldout(.id($0)) }
    }

    /// Kafka's committed offsets of `group` (no membership: an unsubscribed reader asks the coordinator).
    static func committed(bootstrap: String, group: String, topic: String, partitions: Int32) async throws -> [Int32: Int64] {
        try await Blocking.run { try committedSync(bootstrap: bootstrap, group: group, topic: topic, partitions: partitions) }
    }

    /// `committed(…)`, blocking the calling thread (for polling conditions).
    static func committedSync(bootstrap: String, group: String, topic: String, partitions: Int32) throws -> [Int32: Int64] {
        let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": bootstrap, "log_level": "3"]),
                                         groupID: group)
        defer { consumer.close() }
        let tps = (0..<partitions).map { TopicPartition(topic, $0) }
        let result = try consumer.committed(tps)
        return Dictionary(uniqueKeysWithValues: result.compactMap { $0.value >= 0 ? ($0.key.partition, $0.value) : nil })
    }
}
