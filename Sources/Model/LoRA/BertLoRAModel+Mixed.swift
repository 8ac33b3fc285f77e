import Tensor

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
    package static func predictMixed(_ batch: TokenBatch, adapters: [BertLoRAModel], rowAdapters: [Int]) throws -> [[Float]] {
        let lead = try validateMixed(batch, adapters: adapters, rowAdapters: rowAdapters)
        let layout = MixedLayout(adapters)
        let plan = ShardPlan(batch, count: lead.shardCount(batch.batch), groupedBy: rowAdapters)
        return lead.withWorkspaces(for: plan, shape: layout.workspaceShape(training: false)) { wss in
            plan.withSlices { slices in
                for (s, shard) in plan.shards.enumerated() {
                    wss[s].mixed = MixedRows(layout, rowAdapters: shard.rows.map { rowAdapters[$0] })
                }
                Kernels.forEachShard(slices.count, threads: lead.threads) { s in
                    lead.forward(slices[s], ws: wss[s], training: false)
                }
                return plan.inBatchOrder(slices.indices.map { mixedLogitRows(wss[$0]) })
            }
        }
    }

    /// The logits a mixed pass left in a shard's workspace, one row per example in shard order,
    /// each as long as its adapter's label count.
    static func mixedLogitRows(_ ws: Workspace) -> [[Float]] {
        let mixed = ws.mixed!
        return mixed.runs.flatMap { run in
            let c = mixed.adapters[run.adapter].layout.labels
            return (run.start..<(run.start + run.count)).map { b in
                Array(UnsafeBufferPointer(start: ws.logits.ptr + b * mixed.logitStride, count: c))
            }
        }
    }

    /// Checks a mixed batch and returns the adapter whose threads and pool run it.
    /// - Throws: `ModelError.invalidBatch` for a bad batch or adapter index,
    ///   `ModelError.invalidConfig` when the adapters do not share one base and pooling.
    static func validateMixed(_ batch: TokenBatch, adapters: [BertLoRAModel], rowAdapters: [Int]) throws -> BertLoRAModel {
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
        return lead
    }

    /// out (rows of each run) += s·(x·Aᵀ)·Bᵀ with the run's adapter, for every run whose adapter
    /// adapts (layer, target). `n` rows hold `mixed.examples` examples of equal length. Training
    /// keeps each run's x·Aᵀ (and dropout mask) in the (layer, target)'s workspace slot, at the
    /// run's rows with `rankStride` floats per row, for `mixedLoRABackward`.
    func addMixedLoRA(_ mixed: MixedRows, layer: Int, target: LoRATarget, x: UnsafeMutablePointer<Float>, rows n: Int,
                      inFeatures inF: Int, outFeatures outF: Int, out: UnsafeMutablePointer<Float>, ws: Workspace) {
        let perExample = n / mixed.examples
        let slot = mixed.training ? mixed.layout.slot(layer, target) : nil
        for run in mixed.runs {
            let a = mixed.adapters[run.adapter]
            guard let mi = a.layout.module(layer: layer, target: target) else { continue }
            let first = run.start * perExample, count = run.count * perExample
            var xin = x + first * inF
            var u = ws.du.ptr  // (rows, r) scratch, free during inference
            if let slot {
                u = ws.loraU[slot].ptr + first * mixed.layout.rankStride
                if a.lora.dropout > 0 {
                    xin = Self.dropout(xin, count: count * inF, keep: 1 - a.lora.dropout,
                                       mask: ws.dropMask[slot].ptr + first * inF, into: ws.dropInput[slot].ptr + first * inF, ws: ws)
                }
            }
            a.loraForward(a.layout.modules[mi], x: xin, rows: count, u: u, out: out + first * outF, ws: ws)
        }
    }

    /// Backward of `addMixedLoRA` for (layer, target): each run's LoRA gradients into its
    /// adapter's gradient buffer of this shard, and its input gradient added to `dx` when given.
    func mixedLoRABackward(_ mixed: MixedRows, layer: Int, target: LoRATarget, x: UnsafeMutablePointer<Float>,
                           dy: UnsafeMutablePointer<Float>, rows n: Int, inFeatures inF: Int, outFeatures outF: Int,
                           dx: UnsafeMutablePointer<Float>?, ws: Workspace) {
        guard let slot = mixed.layout.slot(layer, target) else { return }
        let perExample = n / mixed.examples
        for run in mixed.runs {
            let a = mixed.adapters[run.adapter]
            guard let mi = a.layout.module(layer: layer, target: target), let grads = mixed.grads[run.adapter] else { continue }
            let first = run.start * perExample, count = run.count * perExample
            let dropout = a.lora.dropout > 0
            a.loraBackward(a.layout.modules[mi], x: dropout ? ws.dropInput[slot].ptr + first * inF : x + first * inF,
                           dy: dy + first * outF, rows: count, u: ws.loraU[slot].ptr + first * mixed.layout.rankStride,
                           grads: grads, dx: dx.map { $0 + first * inF }, mask: dropout ? ws.dropMask[slot].ptr + first * inF : nil,
                           ws: ws)
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
