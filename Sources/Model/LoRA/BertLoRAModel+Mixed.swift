import Tensor

/// Each example's adapter in a pass over rows of several adapters (a shard's view).
final class MixedRows {
    /// A run of consecutive examples (shard order) sharing one adapter.
    struct Run {
        let adapter: Int
        let start: Int
        let count: Int
    }

    let adapters: [BertLoRAModel]
    let runs: [Run]
    /// Examples in the shard.
    let examples: Int
    /// Logits per example in the workspace: the largest label count of the adapters.
    let logitStride: Int

    init(adapters: [BertLoRAModel], rowAdapters: [Int]) {
        self.adapters = adapters
        examples = rowAdapters.count
        logitStride = adapters.map(\.layout.labels).max() ?? 1
        var runs: [Run] = []
        for (i, a) in rowAdapters.enumerated() {
            if let last = runs.last, last.adapter == a, last.start + last.count == i {
                runs[runs.count - 1] = Run(adapter: a, start: last.start, count: last.count + 1)
            } else {
                runs.append(Run(adapter: a, start: i, count: 1))
            }
        }
        self.runs = runs
    }
}

/// Serving many adapters on one frozen base without copying it (Punica's SGMV on a CPU): a batch
/// whose rows belong to different adapters runs one base GEMM per dense module for all rows,
/// then each run of rows adds its own adapter's low-rank branch `s·(x·Aᵀ)·Bᵀ` (two small GEMMs),
/// and each row gets its own adapter's classifier. Adapters may differ in rank, alpha, rsLoRA,
/// targets, layers and label count; nothing is merged, so an adapter costs only its parameters.
extension BertLoRAModel {
    /// Logits for a batch whose example `b` belongs to `adapters[rowAdapters[b]]`; row b has
    /// that adapter's label count. Equal to each adapter's own `predict` on its rows (up to
    /// float summation order). Reads the adapters only, so concurrent calls on the same adapters
    /// are safe while nobody trains them.
    /// - Throws: `ModelError.invalidBatch` for a bad batch or adapter index,
    ///   `ModelError.invalidConfig` when the adapters do not share one base and pooling.
    public static func predictMixed(_ batch: TokenBatch, adapters: [BertLoRAModel], rowAdapters: [Int]) throws -> [[Float]] {
        guard let lead = adapters.first else { throw ModelError.invalidBatch("no adapters") }
        guard rowAdapters.count == batch.batch else {
            throw ModelError.invalidBatch("\(rowAdapters.count) adapter indices for \(batch.batch) examples")
        }
        if let bad = rowAdapters.first(where: { $0 < 0 || $0 >= adapters.count }) {
            throw ModelError.invalidBatch("adapter index \(bad) outside 0..<\(adapters.count)")
        }
        if let other = adapters.first(where: { $0.base !== lead.base || $0.lora.pooling != lead.lora.pooling }) {
            throw ModelError.invalidConfig("adapters of a mixed batch must share one base and pooling (\(other.lora.pooling) vs \(lead.lora.pooling))")
        }
        try batch.validate(config: lead.config)
        let plan = ShardPlan(batch, count: lead.shardCount(batch.batch), groupedBy: rowAdapters)
        let shape = adapters.dropFirst().reduce(WorkspaceShape(lead.layout, dropout: false)) {
            $0.union(WorkspaceShape($1.layout, dropout: false))
        }
        return lead.withWorkspaces(for: plan, shape: shape) { wss in
            plan.withSlices { slices in
                for (s, shard) in plan.shards.enumerated() {
                    wss[s].mixed = MixedRows(adapters: adapters, rowAdapters: shard.rows.map { rowAdapters[$0] })
                }
                Kernels.forEachShard(slices.count, threads: lead.threads) { s in
                    lead.forward(slices[s], ws: wss[s], training: false)
                }
                return plan.inBatchOrder(slices.indices.map { s in
                    let ws = wss[s], mixed = ws.mixed!
                    return mixed.runs.flatMap { run in
                        let c = adapters[run.adapter].layout.labels
                        return (run.start..<(run.start + run.count)).map { b in
                            Array(UnsafeBufferPointer(start: ws.logits.ptr + b * mixed.logitStride, count: c))
                        }
                    }
                })
            }
        }
    }

    /// out (rows of each run) += s·(x·Aᵀ)·Bᵀ with the run's adapter, for every run whose adapter
    /// adapts (layer, target). `n` rows hold `mixed.examples` examples of equal length.
    func addMixedLoRA(_ mixed: MixedRows, layer: Int, target: LoRATarget, x: UnsafeMutablePointer<Float>, rows n: Int,
                      inFeatures inF: Int, outFeatures outF: Int, out: UnsafeMutablePointer<Float>, ws: Workspace) {
        let perExample = n / mixed.examples
        let u = ws.du.ptr  // (rows, r) scratch, free during inference
        for run in mixed.runs {
            let a = mixed.adapters[run.adapter]
            guard let mi = a.layout.module(layer: layer, target: target) else { continue }
            let m = a.layout.modules[mi], r = a.layout.rank
            let first = run.start * perExample, count = run.count * perExample
            ws.gemm(transA: false, transB: true, m: count, n: r, k: inF, a: x + first * inF, lda: inF,
                    b: a.params.ptr + m.aOffset, ldb: inF, c: u, ldc: r)
            ws.gemm(transA: false, transB: true, m: count, n: outF, k: r, alpha: a.lora.scaling, a: u, lda: r,
                    b: a.params.ptr + m.bOffset, ldb: r, beta: 1, c: out + first * outF, ldc: outF)
        }
    }

    /// Logits of each run's examples with the run's own classifier, `mixed.logitStride` apart.
    func mixedClassifier(_ mixed: MixedRows, ws: Workspace) {
        let H = config.hiddenSize
        for run in mixed.runs {
            let a = mixed.adapters[run.adapter], C = a.layout.labels
            let w = a.params.ptr + a.layout.classifierWeightOffset, bias = a.params.ptr + a.layout.classifierBiasOffset
            for b in run.start..<(run.start + run.count) {
                Self.classify(ws.pooled.ptr + b * H, weight: w, bias: bias, classes: C, hidden: H,
                              into: ws.logits.ptr + b * mixed.logitStride)
            }
        }
    }

    /// logits[c] = x · W[c] + bias[c]: plain dot products, so a logit does not depend on the
    /// label count (growing the classifier leaves existing logits bitwise unchanged).
    static func classify(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                         classes C: Int, hidden H: Int, into logits: UnsafeMutablePointer<Float>) {
        for c in 0..<C {
            let row = w + c * H
            var s: Float = 0
            for j in 0..<H { s += x[j] * row[j] }
            logits[c] = s + bias[c]
        }
    }
}
