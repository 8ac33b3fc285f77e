import SeededRandom
import Synchronization
import Tensor

/// Training several adapters in one pass (the training half of Punica's SGMV): the frozen base
/// runs once for all rows of the batch, each row goes through its own adapter's LoRA branches
/// and classifier, each adapter's gradients sum over its own rows only, and each adapter then
/// takes its own clip + AdamW step touching its own parameters. Many adapters with a few
/// examples each then share the frozen GEMMs a single adapter would run on a full batch.
extension BertLoRAModel {
    /// One optimization step for each adapter on its rows of `batch` (row `b` belongs to
    /// `adapters[rowAdapters[b]]`). Equal to each adapter's own `trainStep` on its rows (up to
    /// float summation order): its loss is the (weighted) mean over its rows, its optimizer
    /// settings and step count are its own, and a non-finite loss, gradient or update leaves that
    /// adapter alone unchanged.
    /// - Parameters:
    ///   - labels: class index per row, in 0..<(its adapter's label count).
    ///   - weights: optional per-row weights.
    /// - Returns: one result per adapter, in `adapters` order; its logits are the adapter's rows
    ///   in batch order.
    /// - Throws: `ModelError.invalidBatch` for a bad batch, label, adapter index, an adapter with
    ///   no rows or listed twice; `ModelError.invalidConfig` when the adapters do not share one
    ///   base and pooling.
    package static func trainStepMixed(_ batch: TokenBatch, adapters: [BertLoRAModel], rowAdapters: [Int],
                                      labels: [Int], weights: [Float]? = nil) throws -> [TrainStepResult] {
        let lead = try validateMixed(batch, adapters: adapters, rowAdapters: rowAdapters)
        let offsets = adapters.reduce(into: [0]) { $0.append($0.last! + $1.layout.count) }
        return try lead.workspacePool.withScratch(offsets.last!) { scratch in
            let grads = adapters.indices.map { scratch + offsets[$0] }
            let (losses, logits) = try mixedGradients(batch, adapters: adapters, rowAdapters: rowAdapters, labels: labels,
                                                      weights: weights, into: grads)
            return updateEach(adapters, threads: lead.threads) { a in
                adapters[a].applyUpdate(grads: grads[a], loss: losses[a], logits: logits[a])
            }
        }
    }

    /// `update(a)` for every adapter index, on up to `threads` workers (each adapter's clip and
    /// AdamW touch only its own parameters, moments and gradients, so they run concurrently).
    /// Sixteen adapters of one row each would otherwise stream their parameters and moments
    /// through one core while the other waits. Adapters are handed out one at a time to whichever
    /// worker is free, not in fixed halves: on a busy machine a worker that is not scheduled
    /// leaves its share to the other instead of keeping the step waiting for it.
    private static func updateEach(_ adapters: [BertLoRAModel], threads: Int,
                                   _ update: (Int) -> TrainStepResult) -> [TrainStepResult] {
        let workers = max(1, min(threads, adapters.count))
        guard workers > 1 else { return adapters.indices.map(update) }
        let next = Atomic(0)
        var results = [TrainStepResult?](repeating: nil, count: adapters.count)
        results.withUnsafeMutableBufferPointer { out in
            Kernels.forEachShard(workers, threads: 1) { _ in
                while case let a = next.wrappingAdd(1, ordering: .relaxed).oldValue, a < adapters.count { out[a] = update(a) }
            }
        }
        return results.map { $0! }
    }

    /// Forward + backward of a mixed batch without updating: each adapter's gradients go to its
    /// `gradientTensors()` (for tests and tools).
    /// - Returns: each adapter's loss, in `adapters` order.
    @discardableResult
    package static func computeGradientsMixed(_ batch: TokenBatch, adapters: [BertLoRAModel], rowAdapters: [Int],
                                             labels: [Int], weights: [Float]? = nil) throws -> [Float] {
        for a in adapters where a.grads.capacity < a.layout.count { a.grads = Tensor(shape: [a.layout.count]) }
        return try mixedGradients(batch, adapters: adapters, rowAdapters: rowAdapters, labels: labels, weights: weights,
                                  into: adapters.map(\.grads.ptr)).losses
    }

    /// Forward + backward of a mixed batch: sums adapter a's gradients into `into[a]`
    /// (its layout.count floats) and returns each adapter's loss and its rows' logits.
    private static func mixedGradients(_ batch: TokenBatch, adapters: [BertLoRAModel], rowAdapters: [Int], labels: [Int],
                                       weights: [Float]?, into grads: [UnsafeMutablePointer<Float>])
        throws -> (losses: [Float], logits: [[[Float]]]) {
        let lead = try validateMixed(batch, adapters: adapters, rowAdapters: rowAdapters)
        let B = batch.batch
        guard Set(adapters.map(ObjectIdentifier.init)).count == adapters.count else {
            throw ModelError.invalidBatch("an adapter is listed twice in a mixed batch")
        }
        var rowsOf = [Int](repeating: 0, count: adapters.count)
        for a in rowAdapters { rowsOf[a] += 1 }
        if let idle = rowsOf.firstIndex(of: 0) { throw ModelError.invalidBatch("adapter \(idle) has no rows in the mixed batch") }
        guard labels.count == B else { throw ModelError.invalidBatch("\(labels.count) labels for \(B) examples") }
        for (b, label) in labels.enumerated() where label < 0 || label >= adapters[rowAdapters[b]].layout.labels {
            throw ModelError.invalidBatch("row \(b): label \(label) outside 0..<\(adapters[rowAdapters[b]].layout.labels) (grow the classifier first)")
        }
        if let weights, weights.count != B { throw ModelError.invalidBatch("\(weights.count) weights for \(B) examples") }
        for a in adapters { a.merged.removeAll() }  // merged weights would go stale; training runs unmerged
        let layout = MixedLayout(adapters)
        let plan = ShardPlan(batch, count: lead.shardCount(B), groupedBy: rowAdapters)
        // Each shard sums the gradients of the adapters it holds rows of into its own region: the
        // first shard holding an adapter's rows straight into `grads` (no copy after), a later
        // one into scratch at `regions[s][a]` (added after, in shard order).
        var regions: [[Int: Int]] = [], total = 0, owner = [Int?](repeating: nil, count: adapters.count)
        for (s, shard) in plan.shards.enumerated() {
            var region: [Int: Int] = [:]
            for a in Set(shard.rows.map { rowAdapters[$0] }).sorted() {
                if owner[a] == nil { owner[a] = s; continue }
                region[a] = total
                total += adapters[a].layout.count
            }
            regions.append(region)
        }
        return lead.workspacePool.withScratch(max(total, 1)) { shardGrads in
            func target(_ s: Int, _ a: Int) -> UnsafeMutablePointer<Float>? {
                owner[a] == s ? grads[a] : regions[s][a].map { shardGrads + $0 }
            }
            return lead.withWorkspaces(for: plan, shape: layout.workspaceShape(training: true)) { wss in
                let perShard = plan.withSlices { slices in
                    for (s, shard) in plan.shards.enumerated() {
                        let ws = wss[s], mixed = MixedRows(layout, rowAdapters: shard.rows.map { rowAdapters[$0] })
                        mixed.grads = adapters.indices.map { target(s, $0) }
                        ws.mixed = mixed
                        for (i, row) in shard.rows.enumerated() {
                            ws.labelBuffer[i] = Int32(labels[row])
                            ws.weightBuffer[i] = weights?[row] ?? 1
                        }
                        ws.rng = SplitMix64(seed: lead.rng.next())  // per-shard dropout stream, deterministic
                        ws.flops = 0
                    }
                    Kernels.forEachShard(slices.count, threads: lead.threads) { s in
                        let ws = wss[s], mixed = ws.mixed!
                        for (a, g) in mixed.grads.enumerated() { g?.update(repeating: 0, count: adapters[a].layout.count) }
                        lead.forward(slices[s], ws: ws, training: true)
                        mixed.losses = mixedLoss(mixed, rowsOf: rowsOf, ws: ws)
                        lead.backward(slices[s], ws: ws)
                    }
                    return slices.indices.map { (wss[$0].mixed!.losses, mixedLogitRows(wss[$0])) }
                }
                var losses = [Float](repeating: 0, count: adapters.count)
                for s in plan.shards.indices {
                    lead.flopCount += wss[s].flops
                    for a in adapters.indices where target(s, a) != nil { losses[a] += perShard[s].0[a] }
                    for (a, offset) in regions[s] {
                        Kernels.add(grads[a], grads[a], shardGrads + offset, count: adapters[a].layout.count)
                    }
                }
                let rows = plan.inBatchOrder(perShard.map(\.1))
                var logits = [[[Float]]](repeating: [], count: adapters.count)
                for (b, a) in rowAdapters.enumerated() { logits[a].append(rows[b]) }
                return (losses, logits)
            }
        }
    }

    /// Each adapter's share of its loss from this shard's rows, dLogits scaled alike: a row of
    /// adapter a counts 1/(a's rows in the whole batch), so every adapter's loss is the mean over
    /// its own rows, as if it trained alone.
    private static func mixedLoss(_ mixed: MixedRows, rowsOf: [Int], ws: Workspace) -> [Float] {
        var losses = [Float](repeating: 0, count: mixed.adapters.count)
        let S = mixed.logitStride
        for run in mixed.runs {
            let C = mixed.adapters[run.adapter].layout.labels, share = 1 / Float(rowsOf[run.adapter])
            for b in run.start..<(run.start + run.count) {
                losses[run.adapter] += share * Kernels.crossEntropy(
                    logits: ws.logits.ptr + b * S, labels: ws.labelBuffer + b, weights: ws.weightBuffer + b,
                    rows: 1, classes: C, dlogits: ws.dLogits.ptr + b * S)
                Kernels.scale(ws.dLogits.ptr + b * S, share, count: C)
            }
        }
        return losses
    }

    /// Classifier backward per run with the run's own head: its dW, db into the adapter's
    /// gradients, dPooled of its rows through its own classifier. Returns the lowest layer any
    /// adapter adapts.
    func mixedClassifierBackward(_ mixed: MixedRows, ws: Workspace) -> Int? {
        let H = config.hiddenSize, S = mixed.logitStride
        for run in mixed.runs {
            let a = mixed.adapters[run.adapter], l = a.layout, C = l.labels, g = mixed.grads[run.adapter]!
            let dLogits = ws.dLogits.ptr + run.start * S
            ws.gemm(transA: true, transB: false, m: C, n: H, k: run.count, a: dLogits, lda: S, b: ws.pooled.ptr + run.start * H,
                    ldb: H, beta: 1, c: g + l.classifierWeightOffset, ldc: H)
            for b in 0..<run.count {
                for c in 0..<C { g[l.classifierBiasOffset + c] += dLogits[b * S + c] }
            }
            ws.gemm(transA: false, transB: false, m: run.count, n: H, k: C, a: dLogits, lda: S,
                    b: a.params.ptr + l.classifierWeightOffset, ldb: H, c: ws.dPooled.ptr + run.start * H, ldc: H)
        }
        return mixed.layout.lowestLayer
    }
}
