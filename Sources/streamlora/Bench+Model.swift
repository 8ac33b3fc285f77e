import Threads
import ArgumentParser
import Foundation
import Model
import Tensor

/// Options shared by `bench train` and `bench infer`.
struct ModelBenchOptions: ParsableArguments {
    @Option(name: .long, help: "Model directory (config.json + model.safetensors).")
    var model: String = "models/all-MiniLM-L6-v2"

    @Option(name: .long, help: "Examples per batch.")
    var batch: Int = 16

    @Option(name: .long, help: "Tokens per example (random ids, no padding).")
    var seq: Int = 64

    @Option(name: .long, help: "LoRA rank r.")
    var rank: Int = 8

    @Option(name: .long, help: "LoRA target modules, comma-separated (PEFT names).")
    var targets: String = "query,value"

    @Option(name: .long, help: "Timed steps (after 2 warm-up steps).")
    var steps: Int = 20

    @Option(name: .long, help: "OpenBLAS threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Frozen-product arithmetic: fp32, bf16 (needs AVX512_BF16) or auto.")
    var precision: PrecisionSetting = .fp32

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Flag(name: .long, help: ArgumentHelp("Use multithreaded BLAS on the whole batch instead of per-thread shards.", visibility: .hidden))
    var noShards = false

    func validate() throws {
        guard batch > 0, seq > 1, rank > 0, steps > 0, threads > 0 else {
            throw ValidationError("--batch, --rank, --steps, --threads must be positive and --seq at least 2")
        }
        _ = try LoRATarget.parseList(targets)
    }
}

/// Result line shared with the PyTorch/PEFT peer script (same JSON keys).
struct ModelBenchResult: Codable {
    var kind: String
    var examples_per_s: Double
    var gflops: Double
    var peak_gflops: Double
    var batch: Int
    var seq: Int
    var rank: Int
    var targets: [String]
    var threads: Int
    var steps: Int
    /// Resolved precision of the frozen products; the peak is measured in the same arithmetic.
    var precision: String
    /// Bytes of the frozen base as stored in that precision, MB (ours only).
    var base_mb: Double?
    /// Resident memory of the process after the timed steps (VmRSS), MB (ours only).
    var resident_mb: Double?
}

struct BenchTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training throughput (fwd + bwd + clip + AdamW) on the real model.")
    @OptionGroup var options: ModelBenchOptions

    func run() async throws { try await ModelBench.run(kind: "train", options) }
}

struct BenchInfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Inference throughput (merged adapter, logits) on the real model.")
    @OptionGroup var options: ModelBenchOptions

    func run() async throws { try await ModelBench.run(kind: "infer", options) }
}

enum ModelBench {
    static func run(kind: String, _ o: ModelBenchOptions) async throws {
        // BLAS work blocks: keep it off Swift's cooperative pool.
        let result = try await Blocking.run("streamlora.bench") { try measure(kind: kind, o) }
        if o.json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(result), as: UTF8.self))
        } else {
            print("""
                bench \(kind) (OpenBLAS \(BLASRuntime.note)): batch \(o.batch) × seq \(o.seq), LoRA r = \(o.rank) on \(result.targets.joined(separator: ",")), \(o.threads) thread(s), \(o.steps) steps
                  \(String(format: "%.1f", result.examples_per_s)) examples/s; base \(String(format: "%.1f", result.base_mb ?? 0)) MB, resident \(String(format: "%.1f", result.resident_mb ?? 0)) MB
                  \(String(format: "%.1f", result.gflops)) GFLOP/s in matrix products (\(result.precision) gemm peak \(String(format: "%.1f", result.peak_gflops)) GFLOP/s, \(String(format: "%.0f", 100 * result.gflops / result.peak_gflops)) %)
                """)
        }
    }

    static func measure(kind: String, _ o: ModelBenchOptions) throws -> ModelBenchResult {
        Kernels.setThreads(o.threads)
        let precision = try o.precision.resolveAnnounced()  // before the progress line, so it stays readable
        progress("loading \(o.model)")
        let base = try BertWeights(directory: URL(fileURLWithPath: o.model), precision: precision)
        let targets = try LoRATarget.parseList(o.targets)
        let model = try BertLoRAModel(base: base, lora: LoRAConfig(rank: o.rank, targets: targets), labels: 2,
                                      optimizer: OptimizerConfig(learningRate: 1e-4))
        var rng = SystemRandomNumberGenerator()
        let vocab = Int32(base.config.vocabSize)
        let ids = (0..<(o.batch * o.seq)).map { i -> Int32 in
            switch i % o.seq {
            case 0: 101
            case o.seq - 1: 102
            default: Int32.random(in: 1000..<vocab, using: &rng)
            }
        }
        let batch = try TokenBatch(ids: ids, mask: .init(repeating: 1, count: ids.count), batch: o.batch, seq: o.seq)
        let labels = (0..<o.batch).map { $0 % 2 }
        model.threads = o.threads
        model.dataParallel = !o.noShards
        if kind == "infer" { try model.merge() }
        let step = {
            if kind == "train" { _ = try model.trainStep(batch, labels: labels) } else { _ = try model.predict(batch) }
        }
        for i in 0..<2 {
            progress("warm-up \(i + 1)/2")
            try step()
        }
        model.resetFlops()
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<o.steps {
            progress("\(kind) step \(i + 1)/\(o.steps)")
            try step()
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let flops = model.matmulFlops
        let resident = residentMB()
        progress("\(precision) gemm peak (384×1536×1024)")
        let peak = precision == .bf16 ? bf16Peak(threads: o.threads) : sgemmPeak()
        progress(nil)
        return ModelBenchResult(kind: kind, examples_per_s: Double(o.batch * o.steps) / seconds, gflops: flops / seconds / 1e9,
                                peak_gflops: peak, batch: o.batch, seq: o.seq, rank: o.rank,
                                targets: targets.map(\.rawValue), threads: o.threads, steps: o.steps,
                                precision: precision.rawValue, base_mb: Double(base.byteCount) / 1e6, resident_mb: resident)
    }

    /// VmRSS of this process in MB (Linux /proc), nil where unavailable.
    static func residentMB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1000
    }

    /// Best GFLOP/s of a (1024 × 384) · (384 × 1536) sgemm — the FFN shape at batch 16 × seq 64.
    static func sgemmPeak() -> Double {
        let m = 1024, k = 384, n = 1536
        let a = Tensor(shape: [m, k]), b = Tensor(shape: [k, n]), c = Tensor(shape: [m, n])
        for i in 0..<a.count { a[i] = Float(i % 7) * 0.01 }
        for i in 0..<b.count { b[i] = Float(i % 5) * 0.01 }
        var best = 0.0
        for _ in 0..<3 {
            let reps = 10
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps {
                Kernels.gemm(transA: false, transB: false, m: m, n: n, k: k, a: a.ptr, lda: k, b: b.ptr, ldb: n, c: c.ptr, ldc: n)
            }
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, 2 * Double(m * n * k * reps) / s / 1e9)
        }
        return best
    }

    /// Best GFLOP/s of the same product in bf16 (weights pre-packed as the model keeps them), the
    /// 1024 rows split over `threads` threads as the model shards a batch.
    static func bf16Peak(threads: Int) -> Double {
        let m = 1024, k = 384, n = 1536
        let a = Tensor(shape: [m, k]), w = Tensor(shape: [n, k]), c = Tensor(shape: [m, n])
        for i in 0..<a.count { a[i] = Float(i % 7) * 0.01 }
        for i in 0..<w.count { w[i] = Float(i % 5) * 0.01 }
        let packed = PackedBF16Matrix(forwardOf: w.ptr, out: n, in: k)
        let shards = max(1, min(threads, m)), aPtr = a.ptr, cPtr = c.ptr
        var best = 0.0
        for _ in 0..<3 {
            let reps = 10
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps {
                Kernels.forEachShard(shards, threads: threads) { s in
                    let lo = m * s / shards, hi = m * (s + 1) / shards
                    Kernels.gemmBF16(m: hi - lo, a: aPtr + lo * k, lda: k, b: packed, c: cPtr + lo * n, ldc: n)
                }
            }
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, 2 * Double(m * n * k * reps) / s / 1e9)
        }
        return best
    }

    /// One status line on stderr, rewritten in place; nil clears it.
    static func progress(_ text: String?) {
        let line = text.map { "\r\u{1B}[K[bench] \($0)" } ?? "\r\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
