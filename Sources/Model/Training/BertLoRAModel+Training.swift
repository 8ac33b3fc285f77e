import SeededRandom
import Foundation
import Tensor

extension BertLoRAModel {
    /// Logits (batch rows of `labelCount`) for a batch; uses merged weights when merged.
    /// - Throws: `ModelError.invalidBatch` for ids outside the vocabulary or too-long sequences.
    package func predict(_ batch: TokenBatch) throws -> [[Float]] {
        try batch.validate(config: config)
        return runShards(batch) { slice, ws in
            forward(slice, ws: ws, training: false)
        } collect: { slice, ws in
            logitRows(slice, ws)
        }
    }

    /// Class probabilities (softmax of `predict`).
    package func probabilities(_ batch: TokenBatch) throws -> [[Float]] {
        try predict(batch).map(Self.softmax)
    }

    /// Softmax of one row of logits.
    package static func softmax(_ logits: [Float]) -> [Float] {
        let mx = logits.max() ?? 0
        let e = logits.map { exp($0 - mx) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Sentence embeddings: masked mean of the last hidden states (the adapter applies), L2-normalized
    /// when asked — sentence-transformers' all-MiniLM-L6-v2 pipeline. Independent of the head.
    package func embeddings(_ batch: TokenBatch, normalize: Bool = true) throws -> [[Float]] {
        try batch.validate(config: config)
        let H = config.hiddenSize
        return runShards(batch) { slice, ws in
            let last = encode(slice, ws: ws, training: false, clsOnly: false)
            Kernels.meanPoolForward(ws.dPooled.ptr, last.ptr, mask: slice.mask, batch: slice.batch, seq: slice.seq, cols: H)
        } collect: { slice, ws in
            (0..<slice.batch).map { b in
                var v = Array(UnsafeBufferPointer(start: ws.dPooled.ptr + b * H, count: H))
                if normalize {
                    let n = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    v = v.map { $0 / n }
                }
                return v
            }
        }
    }

    /// Splits `batch` into shards (`ShardPlan`), runs `work` for each concurrently, then
    /// `collect`s every shard's rows, returned in batch order.
    func runShards<Row>(_ batch: TokenBatch, _ work: (BatchSlice, Workspace) -> Void,
                                collect: (BatchSlice, Workspace) -> [Row]) -> [Row] {
        let plan = ShardPlan(batch, count: shardCount(batch.batch))
        return withWorkspaces(for: plan) { wss in
            plan.withSlices { slices in
                Kernels.forEachShard(slices.count, threads: threads) { s in
                    wss[s].flops = 0
                    work(slices[s], wss[s])
                }
                for s in slices.indices { flopCount += wss[s].flops }
                return plan.inBatchOrder(slices.indices.map { collect(slices[$0], wss[$0]) })
            }
        }
    }

    /// The logits a shard's forward pass left in its workspace, one row per example.
    private func logitRows(_ slice: BatchSlice, _ ws: Workspace) -> [[Float]] {
        let C = layout.labels
        return (0..<slice.batch).map { b in Array(UnsafeBufferPointer(start: ws.logits.ptr + b * C, count: C)) }
    }

    /// Forward + backward only: fills the gradients and returns the loss (used by `trainStep`;
    /// public so tests and tools can inspect gradients via `gradientTensors()`).
    /// - Parameters:
    ///   - labels: class index per row, in 0..<labelCount.
    ///   - weights: optional per-example weights; loss = mean over the batch of wᵢ·CEᵢ.
    @discardableResult
    func computeGradients(_ batch: TokenBatch, labels: [Int], weights: [Float]? = nil) throws -> Float {
        if grads.capacity < layout.count { grads = Tensor(shape: [layout.count]) }
        return try gradients(batch, labels: labels, weights: weights, into: grads.ptr).loss
    }

    /// Forward + backward: sums the gradients into `grads` (layout.count floats) and returns the
    /// loss and the forward pass's logits in batch order.
    private func gradients(_ batch: TokenBatch, labels: [Int], weights: [Float]?,
                           into grads: UnsafeMutablePointer<Float>) throws -> (loss: Float, logits: [[Float]]) {
        try batch.validate(config: config)
        guard labels.count == batch.batch else {
            throw ModelError.invalidBatch("\(labels.count) labels for \(batch.batch) examples")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= layout.labels }) {
            throw ModelError.invalidBatch("label \(bad) outside 0..<\(layout.labels) (grow the classifier first)")
        }
        if let weights, weights.count != batch.batch {
            throw ModelError.invalidBatch("\(weights.count) weights for \(batch.batch) examples")
        }
        merged.removeAll()  // merged weights would go stale; training always runs unmerged
        let B = batch.batch, C = layout.labels, n = layout.count
        let plan = ShardPlan(batch, count: shardCount(B))
        return withWorkspaces(for: plan) { wss in
            let logits = plan.withSlices { slices in
                for (s, shard) in plan.shards.enumerated() {
                    let ws = wss[s]
                    for (i, row) in shard.rows.enumerated() {
                        ws.labelBuffer[i] = Int32(labels[row])
                        ws.weightBuffer[i] = weights?[row] ?? 1
                    }
                    ws.rng = SplitMix64(seed: rng.next())  // per-shard dropout stream, deterministic
                    ws.flops = 0
                }
                Kernels.forEachShard(slices.count, threads: threads) { s in
                    let ws = wss[s], slice = slices[s]
                    forward(slice, ws: ws, training: true)
                    // Each shard's mean is rescaled to its share of the whole batch's mean.
                    let share = Float(slice.batch) / Float(B)
                    ws.loss = share * Kernels.crossEntropy(logits: ws.logits.ptr, labels: ws.labelBuffer, weights: ws.weightBuffer,
                                                           rows: slice.batch, classes: C, dlogits: ws.dLogits.ptr)
                    Kernels.scale(ws.dLogits.ptr, share, count: slice.batch * C)
                    ws.grads.zero()
                    backward(slice, ws: ws)
                }
                return plan.inBatchOrder(slices.indices.map { logitRows(slices[$0], wss[$0]) })
            }
            var loss: Float = 0
            grads.update(from: wss[0].grads.ptr, count: n)
            for s in plan.shards.indices {
                loss += wss[s].loss
                flopCount += wss[s].flops
                if s > 0 { Kernels.add(grads, grads, wss[s].grads.ptr, count: n) }
            }
            return (loss, logits)
        }
    }

    /// One optimization step: forward, backward, clip_grad_norm_, AdamW.
    ///
    /// A non-finite loss, gradient norm or updated parameter leaves parameters, Adam moments and
    /// the step count bitwise unchanged and reports why (`applied == false`).
    package func trainStep(_ batch: TokenBatch, labels: [Int], weights: [Float]? = nil) throws -> TrainStepResult {
        ensureOptimizerState()
        // The summed gradients are per-step scratch: the pool's, not the adapter's.
        return try workspacePool.withScratch(layout.count) { grads in
            let (loss, logits) = try gradients(batch, labels: labels, weights: weights, into: grads)
            return applyUpdate(grads: grads, loss: loss, logits: logits)
        }
    }

    /// clip_grad_norm_ and AdamW with `grads` (layout.count floats, left unclipped: the clip
    /// factor is applied inside AdamW), unless the loss, the gradient norm or an updated
    /// parameter is non-finite: then parameters, moments and the step count are left bitwise
    /// unchanged. Touches this adapter's parameters only.
    ///
    /// Two passes over the adapter's buffers: `Kernels.adamWScan` reads gradients, moments and
    /// parameters once for the norm and the overflow bounds, then `Kernels.adamW` updates with
    /// the clip factor on the fly. A cross-adapter step does this for every adapter in it, so
    /// each extra pass is paid per adapter, not per step. The rollback copy of parameters and
    /// moments is taken only when `AdamWScan.staysFinite` cannot rule an overflow out: with
    /// finite gradients it almost always can.
    func applyUpdate(grads: UnsafeMutablePointer<Float>, loss: Float, logits: [[Float]]) -> TrainStepResult {
        ensureOptimizerState()
        let n = layout.count, o = optimizer, head = layout.loraCount, headLR = o.headLearningRate ?? o.learningRate
        // Two parameter groups, as torch.optim.AdamW with param groups: LoRA, then the head.
        let groups = [(offset: 0, count: head, lr: o.learningRate), (offset: head, count: n - head, lr: headLR)]
        let scans = groups.map { Kernels.adamWScan(grads: grads + $0.offset, m: adamM.ptr + $0.offset,
                                                   params: params.ptr + $0.offset, count: $0.count) }
        let norm = Float(scans.reduce(0) { $0 + $1.sumOfSquares }.squareRoot())
        func skipped(_ reason: String) -> TrainStepResult {
            TrainStepResult(loss: loss, gradNorm: norm, applied: false, skipReason: reason, logits: logits)
        }
        guard loss.isFinite else { return skipped("non-finite loss \(loss)") }
        guard norm.isFinite else { return skipped("non-finite gradient norm") }
        // torch.nn.utils.clip_grad_norm_: coef = max/(norm + 1e-6), clamped to 1.
        let coef = o.maxGradNorm.map { min($0 / (norm + 1e-6), 1) } ?? 1
        let safe = zip(groups, scans).allSatisfy { group, scan in
            scan.staysFinite(gradScale: coef, lr: group.lr, beta1: o.beta1, eps: o.eps, weightDecay: o.weightDecay, step: step + 1)
        }
        func update() {
            for group in groups {
                Kernels.adamW(params: params.ptr + group.offset, grads: grads + group.offset, m: adamM.ptr + group.offset,
                              v: adamV.ptr + group.offset, count: group.count, lr: group.lr, beta1: o.beta1, beta2: o.beta2,
                              eps: o.eps, weightDecay: o.weightDecay, step: step + 1, gradScale: coef)
            }
        }
        if safe {
            update()
        } else {
            let finite = workspacePool.withScratch(3 * n) { backup in
                backup.update(from: params.ptr, count: n)
                backup.advanced(by: n).update(from: adamM.ptr, count: n)
                backup.advanced(by: 2 * n).update(from: adamV.ptr, count: n)
                update()
                guard Kernels.allFinite(params.ptr, n) else {
                    params.ptr.update(from: backup, count: n)
                    adamM.ptr.update(from: backup + n, count: n)
                    adamV.ptr.update(from: backup + 2 * n, count: n)
                    return false
                }
                return true
            }
            guard finite else { return skipped("update produced non-finite parameters") }
        }
        step += 1
        return TrainStepResult(loss: loss, gradNorm: norm, applied: true, skipReason: nil, logits: logits)
    }

    /// Mean loss of a batch without touching gradients or parameters (for holdout evaluation).
    package func loss(_ batch: TokenBatch, labels: [Int], weights: [Float]? = nil) throws -> Float {
        let logits = try predict(batch)
        guard labels.count == batch.batch, labels.allSatisfy({ $0 >= 0 && $0 < layout.labels }) else {
            throw ModelError.invalidBatch("labels must be \(batch.batch) values in 0..<\(layout.labels)")
        }
        let flat = logits.flatMap { $0 }
        return Kernels.crossEntropy(logits: flat, labels: labels.map(Int32.init), weights: weights,
                                    rows: batch.batch, classes: layout.labels, dlogits: nil)
    }
}
