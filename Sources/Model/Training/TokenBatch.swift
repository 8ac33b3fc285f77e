/// A padded batch of token ids with its attention mask, row-major (batch, seq).
package struct TokenBatch: Sendable, Equatable {
    package var ids: [Int32]
    package var mask: [Int32]
    package var batch: Int
    package var seq: Int

    /// - Throws: `ModelError.invalidBatch` when the arrays do not fill (batch, seq).
    package init(ids: [Int32], mask: [Int32], batch: Int, seq: Int) throws {
        guard batch > 0, seq > 0, ids.count == batch * seq, mask.count == batch * seq else {
            throw ModelError.invalidBatch("ids \(ids.count) / mask \(mask.count) values do not fill batch \(batch) × seq \(seq)")
        }
        self.ids = ids
        self.mask = mask
        self.batch = batch
        self.seq = seq
    }

    /// Pads rows of ids to the longest with `padID` and mask 0.
    package init(rows: [[Int32]], padID: Int32 = 0) throws {
        let seq = rows.map(\.count).max() ?? 0
        var ids: [Int32] = [], mask: [Int32] = []
        for r in rows {
            ids += r + Array(repeating: padID, count: seq - r.count)
            mask += Array(repeating: 1, count: r.count) + Array(repeating: 0, count: seq - r.count)
        }
        try self.init(ids: ids, mask: mask, batch: rows.count, seq: seq)
    }

    func validate(config: BertConfig) throws {
        guard seq <= config.maxPositionEmbeddings else {
            throw ModelError.invalidBatch("sequence length \(seq) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw ModelError.invalidBatch("token id \(bad) is outside the vocabulary (size \(config.vocabSize))")
        }
    }
}

/// Outcome of one training step.
package struct TrainStepResult: Sendable, Equatable {
    /// Loss of the batch before the update.
    package var loss: Float
    /// Total L2 norm of the gradients before clipping.
    var gradNorm: Float
    /// False when a non-finite loss, gradient or update was detected; weights are then unchanged.
    package var applied: Bool
    /// Why the step was not applied.
    package var skipReason: String?
    /// Logits of the step's forward pass (before the update), one row per example in batch
    /// order. Without dropout this is exactly what `predict` gives for the same weights, so a
    /// learner can read its test-then-train predictions from the training pass itself.
    package var logits: [[Float]] = []
}

/// torch.optim.AdamW hyper-parameters plus the clipping threshold.
package struct OptimizerConfig: Codable, Sendable, Equatable {
    /// Learning rate of the LoRA parameters.
    package var learningRate: Float
    /// Learning rate of the classifier head; nil: `learningRate`.
    package var headLearningRate: Float?
    package var beta1: Float
    package var beta2: Float
    package var eps: Float
    package var weightDecay: Float
    /// clip_grad_norm_ max_norm; nil disables clipping.
    package var maxGradNorm: Float?

    package init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0.01, maxGradNorm: Float? = 1.0, headLearningRate: Float? = nil) {
        self.learningRate = learningRate
        self.headLearningRate = headLearningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.maxGradNorm = maxGradNorm
    }
}
