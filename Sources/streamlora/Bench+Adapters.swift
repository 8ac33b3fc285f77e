import Threads
import ArgumentParser
import Foundation
import Learner
import Model
import Registry

#if canImport(Glibc)
import Glibc

/// glibc's `malloc_trim` (not exported by the Glibc module): returns freed heap pages to the
/// system so RSS counts what is live, not what malloc keeps cached.
@_silgen_name("malloc_trim") private func mallocTrim(_ pad: Int) -> Int32
#endif

/// `streamlora bench adapters`: many adapters on one frozen base — resident memory per adapter,
/// aggregate training throughput against one adapter on the same examples, mixed-adapter
/// prediction under concurrent clients, and adapter load time. The peer (HF PEFT with the same
/// number of adapters, `load_adapter` + `adapter_names=`) is `ops/bench/peft_adapters.py`.
struct BenchAdapters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters", abstract: "Many adapters on one base: memory per adapter, training and serving throughput.")

    @Option(help: "Model directory (config.json, model.safetensors, vocab.txt).") var model = "models/all-MiniLM-L6-v2"
    @Option(help: "Adapter counts, ascending, comma-separated (measured cumulatively in one process).") var adapters = "1,10,100"
    @Option(help: "Labelled JSONL stream (text, label), e.g. from ops/bench/make_debian_stream.py.") var texts = ".cache/debian.jsonl"
    @Option(help: "Training examples per level (the same examples at every level).") var examples = 256
    @Option(help: "Micro-batch size per adapter.") var batch = 16
    @Option(help: "Passes over the training examples in the cross-adapter phase (more paired steps).") var mixedPasses = 1
    @Option(help: "LoRA rank r.") var rank = 8
    @Option(help: "LoRA target modules, comma-separated.") var targets = "query,value"
    @Option(help: "Prediction requests per level (one text each).") var requests = 320
    @Option(help: "Concurrent prediction clients.") var clients = 16
    @Option(help: "Largest mixed batch of the prediction batcher.") var maxRows = 32
    @Option(help: "Live-version swaps per second during the second prediction run.") var swapsPerSecond = 20.0
    @Option(help: "Adapters registered on disk for the residency run (0: skip it).") var registered = 0
    @Option(help: "Live versions held in memory during the residency run.") var resident = 1000
    @Flag(help: "Print one JSON object.") var json = false

    var counts: [Int] { adapters.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let c = counts
        guard !c.isEmpty, c.allSatisfy({ $0 > 0 }), c == c.sorted(), Set(c).count == c.count else {
            throw ValidationError("--adapters must be ascending positive counts, e.g. 1,10,100")
        }
        guard registered == 0 || (registered > 1 && resident > 0) else {
            throw ValidationError("--registered needs at least 2 adapters and --resident at least 1")
        }
        guard examples > 0, batch > 0, mixedPasses > 0, rank > 0, requests > 0, clients > 0, maxRows > 0, swapsPerSecond > 0 else {
            throw ValidationError("--examples, --batch, --mixed-passes, --rank, --requests, --clients, --max-rows, --swaps-per-second must be positive")
        }
    }

    func run() async throws {
        let options = self
        let report = try await Blocking.run("streamlora.bench") { try AdaptersBench(options).run() }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            print(report.table)
        }
    }
}

/// One level of the benchmark (numbers for `adapters` resident adapters).
struct AdaptersBenchLevel: Codable {
    var adapters: Int
    var rss_mib: Double
    /// (RSS − RSS of the previous level, or of the warmed process without adapters) / (adapters
    /// added): resident MiB per additional adapter.
    var mib_per_additional_adapter: Double?
    /// Each adapter stepping on its own micro-batches, and its ratio to one adapter on the same
    /// stream in micro-batches of `--batch`, timed beside it (so the ratio holds under a changing
    /// machine load).
    var train_examples_per_s: Double
    var train_ratio_vs_one: Double
    /// Cross-adapter steps on micro-batches of the stream as it comes, against one adapter on
    /// the same micro-batches, timed beside each step (the pooled ratio: the target's measure).
    var mixed_train_examples_per_s: Double
    var mixed_train_ratio_vs_one: Double
    /// The one-adapter peer's own rate in this level (both pairings).
    var one_train_examples_per_s: Double
    /// The cross-adapter ratio step by step (median, spread), and the control: one adapter
    /// against a second one on the same rows in the same steps, whose ratio is 1 but for noise.
    var mixed_train_steps: PairedRatios
    var control_train_steps: PairedRatios
    /// Process CPU milliseconds per example (all threads) of the cross-adapter phase's three ways.
    var mixed_train_cpu_ms_per_example: Double
    var one_train_cpu_ms_per_example: Double
    var control_train_cpu_ms_per_example: Double
    var predict_requests_per_s: Double
    var predict_p50_ms: Double
    var predict_p99_ms: Double
    var predict_mean_batch_rows: Double
    /// The same clients while another thread publishes new versions (`--swaps-per-second`).
    var predict_swapping_p99_ms: Double
    var predict_swapping_p50_ms: Double
    var swaps_per_s: Double
}

struct AdaptersBenchReport: Codable {
    var rank: Int
    var targets: [String]
    var adapter_parameters: Int
    var adapter_mib: Double
    var base_rss_mib: Double
    var clients: Int
    var levels: [AdaptersBenchLevel]
    var load_p50_ms: Double
    /// One adapter, batch 16 of stream texts: merged weights vs the unmerged (mixed) path.
    var single_merged_examples_per_s: Double
    var single_unmerged_examples_per_s: Double
    /// `--registered` adapters served through a residency budget of `--resident` live versions.
    var registered: AdaptersBench.RegisteredNumbers?

    var table: String {
        var lines = ["bench adapters: MiniLM, LoRA r = \(rank) on \(targets.joined(separator: ",")), "
            + "\(adapter_parameters) parameters (\(String(format: "%.2f", adapter_mib)) MiB fp32) per adapter; process without adapters \(String(format: "%.0f", base_rss_mib)) MiB",
            "vs one: against one adapter on the same stream in micro-batches of --batch, timed beside ours (same machine load)",
            "adapters  RSS MiB  MiB/extra  one ex/s  own steps ex/s  vs one  mixed steps ex/s  vs one  predict req/s  p50 ms  p99 ms  rows/pass"]
        for l in levels {
            lines.append(String(format: "%8d  %7.0f  %9@  %8.1f  %14.1f  %6.2f  %16.1f  %6.2f  %13.1f  %6.1f  %6.1f  %9.1f", l.adapters, l.rss_mib,
                                l.mib_per_additional_adapter.map { String(format: "%.2f", $0) } ?? "-", l.one_train_examples_per_s,
                                l.train_examples_per_s, l.train_ratio_vs_one, l.mixed_train_examples_per_s, l.mixed_train_ratio_vs_one,
                                l.predict_requests_per_s, l.predict_p50_ms, l.predict_p99_ms, l.predict_mean_batch_rows))
        }
        lines.append("cross-adapter steps against one adapter (one/ours per paired step), and one adapter against itself (control):")
        for l in levels {
            let m = l.mixed_train_steps, c = l.control_train_steps
            lines.append(String(format: "%8d adapters: pooled %.3f, median %.3f (p10–p90 %.3f–%.3f) over %d steps; control pooled %.3f, median %.3f (%.3f–%.3f)",
                                l.adapters, m.pooled, m.median, m.p10, m.p90, m.steps, c.pooled, c.median, c.p10, c.p90))
            lines.append(String(format: "          CPU ms/example: cross-adapter %.2f, one %.2f, control %.2f (one/ours %.3f, one/control %.3f)",
                                l.mixed_train_cpu_ms_per_example, l.one_train_cpu_ms_per_example, l.control_train_cpu_ms_per_example,
                                l.one_train_cpu_ms_per_example / l.mixed_train_cpu_ms_per_example,
                                l.one_train_cpu_ms_per_example / l.control_train_cpu_ms_per_example))
        }
        lines.append("p99 of /v1/predict-style requests while versions swap, against idle (alternating rounds):")
        for l in levels {
            lines.append(String(format: "%8d adapters: idle p99 %.1f ms, swapping p99 %.1f ms (%.2f×) at %.1f swaps/s", l.adapters,
                                l.predict_p99_ms, l.predict_swapping_p99_ms, l.predict_swapping_p99_ms / l.predict_p99_ms, l.swaps_per_s))
        }
        lines.append(String(format: "adapter load (registry read + verify + build): p50 %.1f ms", load_p50_ms))
        lines.append(String(format: "one adapter, batch 16: merged %.1f ex/s, unmerged %.1f ex/s (merging pays %.2f×)",
                            single_merged_examples_per_s, single_unmerged_examples_per_s,
                            single_merged_examples_per_s / single_unmerged_examples_per_s))
        if let r = registered {
            lines.append(String(format: "%d registered adapters, %d resident: %.1f req/s, p50 %.1f ms, p99 %.1f ms; %d loads, p50 %.1f ms, p99 %.1f ms (registered in %.1f s)",
                                r.registered, r.resident, r.requests_per_s, r.p50_ms, r.p99_ms, r.loads, r.load_p50_ms, r.load_p99_ms,
                                r.register_seconds))
        }
        return lines.joined(separator: "\n")
    }
}

/// Resident set size of this process, from /proc/self/statm.
func residentMiB() -> Double {
    #if canImport(Glibc)
    _ = mallocTrim(0)
    #endif
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = s.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}
