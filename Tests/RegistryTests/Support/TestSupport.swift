import Foundation
import API
import Model
import Testing

@testable import Registry

/// A fresh registry root under the system temp directory, removed when the value dies.
final class TempDirectory {
    let url: URL

    init(_ label: String = "registry") {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("streamlora-\(label)-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Small PEFT-shaped snapshots: layers × {query, value} LoRA pairs plus a classifier head, with
/// values derived from `seed` so two snapshots differ predictably.
func makeSnapshot(
    seed: Float = 1, layers: Int = 2, hidden: Int = 4, r: Int = 2, labels: [String] = ["neg", "pos"],
    examples: Int = 10, accuracy: Double = 0.8, parent: Version? = nil
) -> AdapterSnapshot {
    var tensors: [NamedTensor] = []
    func values(_ count: Int, _ salt: Float) -> [Float] {
        (0..<count).map { Float($0 % 7) * 0.01 * seed + salt }
    }
    for layer in 0..<layers {
        for (m, module) in ["query", "value"].enumerated() {
            let salt = Float(layer * 2 + m) * 0.1
            tensors.append(NamedTensor(name: PEFTKeys.loraA(layer: layer, module: module), shape: [r, hidden], data: values(r * hidden, salt)))
            tensors.append(NamedTensor(name: PEFTKeys.loraB(layer: layer, module: module), shape: [hidden, r], data: values(hidden * r, -salt)))
        }
    }
    tensors.append(NamedTensor(name: PEFTKeys.classifierWeight, shape: [labels.count, hidden], data: values(labels.count * hidden, 0.5)))
    tensors.append(NamedTensor(name: PEFTKeys.classifierBias, shape: [labels.count], data: values(labels.count, 0)))
    var offsets = PartitionOffsets()
    offsets.set(topic: "examples", partition: 0, next: Int64(examples))
    return AdapterSnapshot(
        tensors: tensors, config: PEFTLoRAConfig(r: r, loraAlpha: Double(2 * r)), parent: parent,
        baseModelSHA256: String(repeating: "ab", count: 32), labels: labels, examplesTrained: examples, steps: examples / 2,
        offsets: offsets, trainedIDs: TrainedIDsDigest((0..<examples).map { "ex-\($0)" }),
        holdoutMetrics: HoldoutMetrics(MetricValues(count: 20, accuracy: accuracy)),
        prequentialMetrics: PrequentialSummary(cumulative: MetricValues(count: examples, accuracy: accuracy - 0.05, logLoss: 0.4)))
}

/// Opens a registry on a temp root with a short lock timeout.
func makeRegistry(_ dir: TempDirectory, adapter: String = "default", lockTimeout: Double = 0.3) throws -> AdapterRegistry {
    try AdapterRegistry(root: dir.url, adapter: adapter, lockTimeout: lockTimeout)
}

/// The directory of one version (tests poke at files directly to simulate damage).
func versionDirectory(_ dir: TempDirectory, _ v: Version, adapter: String = "default") -> URL {
    dir.url.appendingPathComponent(adapter).appendingPathComponent("versions").appendingPathComponent(v.name)
}

/// Runs a program and returns its standard output (reference tools such as sha256sum).
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// The test bundle's Fixtures directory.
func fixturesDirectory() throws -> URL {
    try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures missing from the test bundle")
}

/// Expects `body` to throw a `RegistryError` and returns its message.
func expectRegistryError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        try body()
        Issue.record("expected a RegistryError, nothing was thrown", sourceLocation: sourceLocation)
        return ""
    } catch let error as RegistryError {
        return error.description
    } catch {
        Issue.record("expected a RegistryError, got \(error)", sourceLocation: sourceLocation)
        return ""
    }
}
