import AgentRuntime
import ArgumentParser
import Foundation
import Learner
import Model
import Registry
import SeededRandom
import Stream
import Threads

/// Many registered adapters served through the residency budget (`--registered N --resident C`).
extension AdaptersBench {
    /// What serving `registered` adapters through `resident` live versions gave.
    struct RegisteredNumbers: Codable {
        var registered: Int
        var resident: Int
        var requests_per_s: Double
        var p50_ms: Double
        var p99_ms: Double
        var loads: Int
        var load_p50_ms: Double
        var load_p99_ms: Double
        var register_seconds: Double
    }

    /// Registers `o.registered` adapters — one real version written durably, the others hard links
    /// of its files under their own names (registering is directory entries, not N fsync'd
    /// writes, and costs no disk) — then `o.requests` one-text predictions from `o.clients`
    /// threads over uniformly random adapters through `LiveAdapters(capacity: o.resident)` with
    /// the agent's registry loader: every miss reads, verifies and builds a live version.
    func registeredRun(_ trainer: BertLoRAModel, labels: [String], probes: [[Int32]], runtime: ModelRuntime,
                       batcher: PredictionBatcher) throws -> RegisteredNumbers {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("streamlora-bench-registered-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let started = DispatchTime.now().uptimeNanoseconds
        let first = try AdapterRegistry(root: root, adapter: "r0", create: true)
        _ = try first.write(AdapterSnapshot(tensors: trainer.adapterTensors(), config: runtime.peftConfig(for: trainer.lora),
                                            baseModelSHA256: runtime.baseSHA256, labels: labels), status: .live, reason: "bench")
        var source = root.appendingPathComponent("r0")
        let files = try FileManager.default.subpathsOfDirectory(atPath: source.path)
        for i in 1..<o.registered {
            if i % 1000 == 0 { progress("registering adapter \(i)/\(o.registered)") }
            // A file takes at most 65,000 hard links (ext4): every 60,000 adapters link a fresh copy.
            if i % 60_000 == 0 {
                source = root.appendingPathComponent("r\(i)")
                try FileManager.default.copyItem(at: root.appendingPathComponent("r0"), to: source)
                continue
            }
            let target = root.appendingPathComponent("r\(i)")
            for path in files {
                let from = source.appendingPathComponent(path), to = target.appendingPathComponent(path)
                if (try from.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true {
                    try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
                } else {
                    try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try FileManager.default.linkItem(at: from, to: to)
                }
            }
        }
        let registerSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let loadTimes = Locked<[Double]>([])
        let live = LiveAdapters(capacity: o.resident) { name in
            let t0 = DispatchTime.now().uptimeNanoseconds
            defer { loadTimes.withLock { $0.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) } }
            return try LiveAdapter.registryLive(adapter: name, registryRoot: root, runtime: runtime)
        }
        progress("predicting over \(o.registered) registered adapters, \(o.resident) resident")
        let latencies = Locked<[Double]>([])
        let failure = Locked<(any Error)?>(nil)
        let perClient = (o.requests + o.clients - 1) / o.clients, registered = o.registered
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for c in 0..<o.clients {
            group.enter()
            Thread {
                var rng = SplitMix64(seed: UInt64(c) &+ 0xBEEF)
                for _ in 0..<perClient {
                    let name = "r\(Int(rng.next() % UInt64(registered)))"
                    let probe = probes[Int(rng.next() % UInt64(probes.count))]
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    do {
                        guard let adapter = try live.serving(name) else { throw ValidationError("\(name) not served") }
                        _ = try batcher.predictBlocking(adapter, tokens: [probe])
                    } catch { failure.withLock { $0 = error } }
                    latencies.withLock { $0.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
                }
                group.leave()
            }.start()
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let sorted = latencies.withLock { $0 }.sorted(), loads = loadTimes.withLock { $0 }.sorted()
        func pct(_ values: [Double], _ p: Double) -> Double { values.isEmpty ? 0 : values[min(values.count - 1, Int(p * Double(values.count)))] }
        return RegisteredNumbers(registered: o.registered, resident: o.resident, requests_per_s: Double(sorted.count) / seconds,
                                 p50_ms: pct(sorted, 0.5), p99_ms: pct(sorted, 0.99), loads: loads.count,
                                 load_p50_ms: pct(loads, 0.5), load_p99_ms: pct(loads, 0.99), register_seconds: registerSeconds)
    }
}
