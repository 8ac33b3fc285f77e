import Threads
import SeededRandom
import AgentRuntime
import ArgumentParser
import Foundation
import Learner
import Model
import Registry
import Stream

/// The measurements of `bench adapters`, on a dedicated thread. Each adapter is what the agent
/// holds per adapter: a trainer (parameters + Adam moments, after one step) and a published
/// `LiveAdapter`; scratch comes from the runtime's shared workspace pool.
final class AdaptersBench {
    let o: BenchAdapters
    init(_ o: BenchAdapters) { self.o = o }

    struct Example { let tokens: [Int32]; let label: Int }

    func run() throws -> AdaptersBenchReport {
        var config = PipelineConfig()
        config.model.path = o.model
        config.model.rank = o.rank
        config.model.alpha = Double(2 * o.rank)
        config.model.targets = o.targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        progress("loading \(o.model)")
        let runtime = try ModelRuntime(config: config)
        let (train, probes, labels) = try readStream(runtime)
        let batcher = PredictionBatcher(maxRows: o.maxRows)
        defer { batcher.shutdown() }
        // Warm the shared scratch (a full training batch, a full prediction pass) with a throwaway
        // adapter, so the levels measure adapters, not the pool's one-off growth.
        progress("warming the workspace pool")
        let warm = try runtime.makeModel(labels: labels.count)
        let chunk = Array(train.prefix(o.batch))
        _ = try warm.trainStep(try TokenBatch(rows: chunk.map(\.tokens)), labels: chunk.map(\.label))
        let warmLive = try LiveAdapter(adapter: "warm", version: Version(rawValue: 1), labels: labels,
                                       tensors: warm.adapterTensors(), config: runtime.peftConfig, runtime: runtime)
        _ = try batcher.predictBlocking(warmLive, tokens: Array(probes.prefix(o.maxRows)))
        let control = try warm.clone()  // the one-adapter peer measured against itself
        let baseRSS = residentMiB()
        var trainers: [BertLoRAModel] = [], lives: [LiveAdapter] = []
        var levels: [AdaptersBenchLevel] = []
        var previous: (count: Int, rss: Double)? = (0, baseRSS)
        for n in o.counts {
            while trainers.count < n {
                let i = trainers.count
                progress("adapter \(i + 1)/\(n)")
                let trainer = try runtime.makeModel(labels: labels.count)
                let e = train[i % train.count]
                _ = try trainer.trainStep(try TokenBatch(rows: [e.tokens]), labels: [e.label])
                trainers.append(trainer)
                lives.append(try LiveAdapter(adapter: "a\(i)", version: Version(rawValue: 1), labels: labels,
                                             tensors: trainer.adapterTensors(), config: runtime.peftConfig(for: trainer.lora),
                                             runtime: runtime))
            }
            let rss = residentMiB()
            let rates = try trainingRates(trainers, train, reference: warm, control: control)
            let version = Locked(1), current = trainers
            let (serving, swapping) = try predictionRounds(lives, probes, batcher) { i in
                let trainers = current
                return try LiveAdapter(adapter: "a\(i)", version: Version(rawValue: version.withLock { $0 += 1; return $0 }), labels: labels,
                                       tensors: trainers[i].adapterTensors(), config: runtime.peftConfig(for: trainers[i].lora),
                                       runtime: runtime)
            }
            levels.append(AdaptersBenchLevel(
                adapters: n, rss_mib: rss,
                mib_per_additional_adapter: previous.map { (rss - $0.rss) / Double(n - $0.count) },
                train_examples_per_s: rates.own, train_ratio_vs_one: rates.ownVsOne,
                mixed_train_examples_per_s: rates.mixed, mixed_train_ratio_vs_one: rates.mixedVsOne.pooled,
                one_train_examples_per_s: rates.one, mixed_train_steps: rates.mixedVsOne,
                control_train_steps: rates.controlVsOne, mixed_train_cpu_ms_per_example: rates.mixedCPUPerExample * 1e3,
                one_train_cpu_ms_per_example: rates.oneCPUPerExample * 1e3,
                control_train_cpu_ms_per_example: rates.controlCPUPerExample * 1e3,
                predict_requests_per_s: serving.rate, predict_p50_ms: serving.p50, predict_p99_ms: serving.p99,
                predict_mean_batch_rows: serving.rows, predict_swapping_p99_ms: swapping.p99,
                predict_swapping_p50_ms: swapping.p50, swaps_per_s: swapping.swapsPerSecond))
            previous = (n, rss)
        }
        let load = try loadTimes(trainers[0], labels: labels, runtime: runtime)
        let single = try singleAdapter(trainers[0], probes)
        let registered = o.registered > 0
            ? try registeredRun(trainers[0], labels: labels, probes: probes, runtime: runtime, batcher: batcher) : nil
        progress(nil)
        return AdaptersBenchReport(
            rank: o.rank, targets: config.model.targets, adapter_parameters: trainers[0].trainableParameterCount,
            adapter_mib: Double(trainers[0].trainableParameterCount * 4) / 1_048_576, base_rss_mib: baseRSS, clients: o.clients,
            levels: levels, load_p50_ms: load, single_merged_examples_per_s: single.merged,
            single_unmerged_examples_per_s: single.unmerged, registered: registered)
    }

    /// Training examples (the first `examples` of the stream), prediction probes (the next
    /// 1,000), and the label vocabulary of both.
    func readStream(_ runtime: ModelRuntime) throws -> ([Example], [[Int32]], [String]) {
        let text = try String(contentsOfFile: o.texts, encoding: .utf8)
        var rows: [(String, String)] = []
        for line in text.split(separator: "\n") where rows.count < o.examples + 1000 {
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let t = obj["text"] as? String, let l = obj["label"] as? String else { continue }
            rows.append((t, l))
        }
        guard rows.count > o.examples else { throw ValidationError("\(o.texts) has fewer than \(o.examples + 1) examples") }
        let labels = Array(Set(rows.map(\.1))).sorted()
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let encode = { (t: String) in runtime.tokenizer.encode(t, maxLength: runtime.maxLength) }
        let train = rows.prefix(o.examples).map { Example(tokens: encode($0.0), label: index[$0.1]!) }
        return (train, rows.dropFirst(o.examples).map { encode($0.0) }, labels)
    }

    /// Idle and swapping prediction in alternating rounds (`rounds` of each, `requests` in all
    /// per kind), so both see the same machine load; each kind's latencies are pooled.
    func predictionRounds(_ lives: [LiveAdapter], _ probes: [[Int32]], _ batcher: PredictionBatcher, rounds: Int = 4,
                          swap: @escaping @Sendable (Int) throws -> LiveAdapter) throws -> (idle: ServingNumbers, swapping: ServingNumbers) {
        var idle = ServingSample(), swapping = ServingSample()
        let slots = Locked(lives)
        for r in 0..<rounds {
            let share = (o.requests * (r + 1)) / rounds - (o.requests * r) / rounds
            idle.add(try predictionRun(slots, probes, batcher, requests: share))
            swapping.add(try predictionRun(slots, probes, batcher, requests: share, swap: swap))
        }
        return (idle.numbers, swapping.numbers)
    }

    /// `requests` one-text predictions from `clients` threads, each to a random adapter of
    /// `slots`. With `swap`, another thread meanwhile publishes a new version of a random adapter
    /// `swapsPerSecond` times a second (`swap(i)` builds it, as the agent does after a promotion)
    /// and replaces the served one atomically, as `LiveAdapters.publish` does.
    func predictionRun(_ slots: Locked<[LiveAdapter]>, _ probes: [[Int32]], _ batcher: PredictionBatcher, requests: Int,
                       swap: (@Sendable (Int) throws -> LiveAdapter)? = nil) throws -> ServingSample {
        let count = slots.withLock { $0.count }
        progress("predicting (\(count) adapters, \(o.clients) clients\(swap == nil ? "" : ", swapping"))")
        let before = batcher.counts
        let latencies = Locked<[Double]>([])
        let failure = Locked<(any Error)?>(nil)
        let running = Locked(true), swaps = Locked(0)
        let group = DispatchGroup(), clients = o.clients
        let start = DispatchTime.now().uptimeNanoseconds
        for c in 0..<clients {
            group.enter()
            Thread {
                var rng = SplitMix64(seed: UInt64(c) &+ 0x5EED &+ UInt64(requests) << 20 &+ (swap == nil ? 0 : 1 << 40))
                // Client c sends requests c, c + clients, …: `requests` in all.
                for _ in stride(from: c, to: requests, by: clients) {
                    let live = slots.withLock { $0[Int(rng.next() % UInt64($0.count))] }
                    let probe = probes[Int(rng.next() % UInt64(probes.count))]
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    do { _ = try batcher.predictBlocking(live, tokens: [probe]) } catch { failure.withLock { $0 = error } }
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                    latencies.withLock { $0.append(ms) }
                }
                group.leave()
            }.start()
        }
        let swapper = DispatchGroup()
        if let swap {
            let interval = 1 / o.swapsPerSecond
            swapper.enter()
            Thread {
                var rng = SplitMix64(seed: 0x5A4B)
                while running.withLock({ $0 }) {
                    Thread.sleep(forTimeInterval: interval)
                    let i = Int(rng.next() % UInt64(count))
                    do {
                        let next = try swap(i)
                        slots.withLock { $0[i] = next }
                        swaps.withLock { $0 += 1 }
                    } catch { failure.withLock { $0 = error } }
                }
                swapper.leave()
            }.start()
        }
        group.wait()
        running.withLock { $0 = false }
        swapper.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        let after = batcher.counts
        return ServingSample(latencies: latencies.withLock { $0 }, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                             passes: after.passes - before.passes, rows: after.rows - before.rows, swaps: swaps.withLock { $0 })
    }

    /// Raw numbers of prediction runs, added up over rounds.
    struct ServingSample {
        var latencies: [Double] = []
        var seconds = 0.0
        var passes = 0, rows = 0, swaps = 0

        mutating func add(_ other: ServingSample) {
            latencies += other.latencies
            seconds += other.seconds
            passes += other.passes
            rows += other.rows
            swaps += other.swaps
        }

        var numbers: ServingNumbers {
            let sorted = latencies.sorted()
            func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] }
            return ServingNumbers(rate: Double(sorted.count) / seconds, p50: pct(0.5), p99: pct(0.99),
                                  rows: Double(rows) / Double(max(1, passes)), swapsPerSecond: Double(swaps) / seconds)
        }
    }

    struct ServingNumbers {
        var rate, p50, p99, rows, swapsPerSecond: Double
    }

    /// Median ms to make an adapter servable from the registry: read + verify checksums + build.
    func loadTimes(_ trainer: BertLoRAModel, labels: [String], runtime: ModelRuntime) throws -> Double {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("streamlora-bench-load-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let registry = try AdapterRegistry(root: root, adapter: "load", create: true)
        let manifest = try registry.write(AdapterSnapshot(
            tensors: trainer.adapterTensors(), config: runtime.peftConfig(for: trainer.lora), baseModelSHA256: runtime.baseSHA256,
            labels: labels), status: .live, reason: "bench load time")
        var times: [Double] = []
        for i in 0..<21 {
            progress("adapter load \(i + 1)/21")
            let t0 = DispatchTime.now().uptimeNanoseconds
            let loaded = try registry.load(manifest.version)
            _ = try LiveAdapter(adapter: "load", loaded: loaded, runtime: runtime)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }

    /// One adapter, batches of 16 probes: merged weights (`predict` after `merge`) against the
    /// unmerged mixed path, interleaved so both see the same machine load.
    func singleAdapter(_ trainer: BertLoRAModel, _ probes: [[Int32]]) throws -> (merged: Double, unmerged: Double) {
        let merged = try trainer.clone()
        try merged.merge()
        var tm = 0.0, tu = 0.0, rows = 0
        for r in 0..<10 {
            progress("single adapter \(r + 1)/10")
            let batch = try TokenBatch(rows: Array(probes[(r * 16)..<(r * 16 + 16)]))
            var t0 = DispatchTime.now().uptimeNanoseconds
            _ = try merged.predict(batch)
            tm += Double(DispatchTime.now().uptimeNanoseconds - t0)
            t0 = DispatchTime.now().uptimeNanoseconds
            _ = try BertLoRAModel.predictMixed(batch, adapters: [trainer], rowAdapters: Array(repeating: 0, count: 16))
            tu += Double(DispatchTime.now().uptimeNanoseconds - t0)
            rows += 16
        }
        return (Double(rows) / (tm / 1e9), Double(rows) / (tu / 1e9))
    }

    func progress(_ text: String?) { ModelBench.progress(text) }
}
