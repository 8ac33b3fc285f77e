import Tensor

/// Head-only refitting on fixed features, for the learner's adaptation to a concept change.
///
/// After a relabelling the encoder's features still separate the inputs; what is wrong is the
/// classifier reading them. The head is a linear map on 384-d pooled features, so a gradient step
/// on it is rows × labels × 384 multiply-adds, a small fraction of one encoder pass: the learner can
/// take many head-only steps on the few post-change examples it has while LoRA trains normally.
extension BertLoRAModel {
    /// Adam moments of a head refit, separate from the trainer's own (a refit must not disturb
    /// the moments of the main optimizer, whose LoRA and head groups step together).
    package struct HeadRefitState: Sendable, Equatable {
        var m: [Float] = []
        var v: [Float] = []
        var step = 0

        package init() {}

        /// Lays the moments out for a head of `classes` rows of `hidden` weights (then `classes`
        /// biases), keeping those of the rows it had and the step count: a label first seen during
        /// an incident adds a row with zero moments. Starting over instead would make the next
        /// passes fresh-Adam steps, which move *every* head parameter by about the full learning
        /// rate (bias correction at step 1) — a jolt to the whole head (abrupt change, seed 9: a
        /// new label 168 examples after the change, where the trainer's accuracy fell from 0.50
        /// to 0.25 over the next 32 examples).
        mutating func fit(classes: Int, hidden: Int) {
            let count = classes * hidden + classes
            guard m.count != count else { return }
            let old = m.count / (hidden + 1)
            guard old > 0, old < classes, m.count == old * (hidden + 1) else {
                self = HeadRefitState()
                m = .init(repeating: 0, count: count)
                v = m
                return
            }
            func grown(_ x: [Float]) -> [Float] {
                var y = [Float](repeating: 0, count: count)
                y.replaceSubrange(0..<(old * hidden), with: x[0..<(old * hidden)])
                y.replaceSubrange((classes * hidden)..<(classes * hidden + old), with: x[(old * hidden)...])
                return y
            }
            m = grown(m)
            v = grown(v)
        }
    }

    /// The classifier's inputs (B rows of `hidden`) for a batch, with the current weights:
    /// tanh(pooler([CLS])) or the masked mean, exactly what the head reads in `predict`.
    package func pooledFeatures(_ batch: TokenBatch) throws -> [[Float]] {
        try batch.validate(config: config)
        let H = config.hiddenSize
        return runShards(batch) { slice, ws in
            forward(slice, ws: ws, training: false)
        } collect: { slice, ws in
            (0..<slice.batch).map { b in Array(UnsafeBufferPointer(start: ws.pooled.ptr + b * H, count: H)) }
        }
    }

    /// `passes` full-batch Adam steps (no weight decay) on the classifier alone, minimizing the
    /// weighted mean cross-entropy of `labels` given `features`; LoRA weights, the trainer's
    /// moments and its step count are untouched. A non-finite result puts the head back as it
    /// was before the refit.
    /// - Parameters:
    ///   - features: pooled features, one row of `hidden` per example (``pooledFeatures(_:)``).
    ///   - labels: class index per row.
    ///   - weights: per-row weights.
    ///   - learningRate: Adam's step size.
    ///   - state: the refit's own Adam moments (grown with zeros for new labels, see ``HeadRefitState/fit(classes:hidden:)``).
    /// - Returns: the loss before the first pass and after the last applied one.
    @discardableResult
    package func refitHead(features: [[Float]], labels: [Int], weights: [Float], passes: Int, learningRate: Float,
                           state: inout HeadRefitState) -> (before: Float, after: Float) {
        let N = features.count, C = layout.labels, H = layout.hidden
        precondition(labels.count == N && weights.count == N, "refitHead: \(N) rows, \(labels.count) labels, \(weights.count) weights")
        guard N > 0 else { return (0, 0) }
        merged.removeAll()  // merged weights would go stale
        let offset = layout.classifierWeightOffset, count = C * H + C
        state.fit(classes: C, hidden: H)
        let x = features.flatMap { $0 }, y = labels.map(Int32.init)
        var logits = [Float](repeating: 0, count: N * C), dLogits = logits, grads = [Float](repeating: 0, count: count)
        let head = params.ptr + offset
        func loss(gradient: Bool) -> Float {
            x.withUnsafeBufferPointer { xs in
                logits.withUnsafeMutableBufferPointer { out in
                    for n in 0..<N {
                        Self.classify(xs.baseAddress! + n * H, weight: head, bias: head + C * H, classes: C, hidden: H,
                                      into: out.baseAddress! + n * C)
                    }
                }
            }
            return gradient
                ? Kernels.crossEntropy(logits: logits, labels: y, weights: weights, rows: N, classes: C, dlogits: &dLogits)
                : Kernels.crossEntropy(logits: logits, labels: y, weights: weights, rows: N, classes: C, dlogits: nil)
        }
        let before = loss(gradient: false)
        var after = before
        let saved = Array(UnsafeBufferPointer(start: head, count: count))
        for _ in 0..<passes {
            _ = loss(gradient: true)
            // dW (C, H) = dLogitsᵀ · X and db = Σ_n dLogits, as the train step's classifier backward.
            Kernels.gemm(transA: true, transB: false, m: C, n: H, k: N, a: dLogits, lda: C, b: x, ldb: H, c: &grads, ldc: H)
            for c in 0..<C { grads[C * H + c] = 0 }
            for n in 0..<N {
                for c in 0..<C { grads[C * H + c] += dLogits[n * C + c] }
            }
            state.step += 1
            Kernels.adamW(params: head, grads: grads, m: &state.m, v: &state.v, count: count, lr: learningRate,
                          beta1: optimizer.beta1, beta2: optimizer.beta2, eps: optimizer.eps, weightDecay: 0, step: state.step)
            let now = loss(gradient: false)
            guard now.isFinite, Kernels.allFinite(head, count) else {
                head.update(from: saved, count: count)
                return (before, before)
            }
            after = now
        }
        return (before, after)
    }
}
