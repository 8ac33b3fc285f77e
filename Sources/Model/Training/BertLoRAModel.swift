import SeededRandom
import Tensor

/// A frozen BERT encoder with trainable LoRA pairs and a classification head.
///
/// `y = W·x + b + (alpha/r)·B·(A·x)` on every targeted dense module; only A, B and the classifier
/// train. All trainable tensors live in one flat buffer (`params`), with gradients and Adam
/// moments in the same layout. Not thread-safe: use one instance from one thread at a time (the
/// learner owns it); the frozen `BertWeights` are shared read-only between instances. Every
/// method that runs the network blocks (BLAS, worker threads): call it from a dedicated thread,
/// never from Swift's cooperative pool.
package final class BertLoRAModel: @unchecked Sendable {
    package let base: BertWeights
    package let lora: LoRAConfig
    package var optimizer: OptimizerConfig
    package internal(set) var layout: ParameterLayout
    /// Flat trainable parameters and AdamW moments (same layout). The moments are allocated by
    /// the first training step (`ensureOptimizerState`), so a model that only serves holds its
    /// parameters alone.
    var params, adamM, adamV: Tensor
    /// Gradients of the last `computeGradients`, kept for inspection only (allocated on first
    /// use); `trainStep` sums gradients in the pool's scratch instead.
    var grads: Tensor
    /// Completed AdamW steps (t in the bias correction).
    package internal(set) var step: Int = 0
    /// Merged weights W + (alpha/r)·B·A per module index when `isMerged`, stored like the base's.
    var merged: [Int: FrozenMatrix] = [:]
    var rng: SplitMix64
    /// Where passes take their workspaces and per-step scratch from; the runtime shares one
    /// pool between all its adapters (a standalone model has its own).
    package var workspacePool = WorkspacePool()
    var flopCount: Double = 0
    /// Worker threads per step. A batch is split into up to this many shards of examples that
    /// run concurrently, each with single-threaded BLAS (examples never interact in the
    /// encoder, so this avoids BLAS thread handoffs and parallelizes the elementwise kernels
    /// and the many small attention products too); a single example runs with this many BLAS
    /// threads instead.
    package var threads: Int = Kernels.defaultThreads
    /// Split batches into per-thread shards (default); false uses multithreaded BLAS on the whole
    /// batch instead (kept for benchmarking the two strategies against each other).
    package var dataParallel = true

    /// A new adapter: A ~ U(−1/√in, 1/√in) (Kaiming-uniform, a = √5, like nn.Linear), B = 0, so
    /// the model computes exactly the base; classifier initialized as nn.Linear.
    /// - Throws: `ModelError.invalidConfig` for an impossible LoRA configuration.
    package init(base: BertWeights, lora: LoRAConfig = LoRAConfig(), labels: Int,
                optimizer: OptimizerConfig = OptimizerConfig()) throws {
        try lora.validate(layerCount: base.config.numHiddenLayers)
        guard labels > 0 else { throw ModelError.invalidConfig("label count must be positive, got \(labels)") }
        self.base = base
        self.lora = lora
        self.optimizer = optimizer
        layout = ParameterLayout(config: base.config, lora: lora, labels: labels)
        params = Tensor(shape: [layout.count]); grads = Tensor(shape: [0])
        adamM = Tensor(shape: [0]); adamV = Tensor(shape: [0])
        rng = SplitMix64(seed: lora.seed)
        for m in layout.modules {
            let bound = 1 / Float(m.inFeatures).squareRoot()
            for j in 0..<(layout.rank * m.inFeatures) { params[m.aOffset + j] = rng.uniform(bound) }
        }
        initClassifierRows(0..<labels)
    }

    /// nn.Linear's initialization for classifier rows: weight and bias ~ U(−1/√H, 1/√H).
    func initClassifierRows(_ rows: Range<Int>) {
        let h = layout.hidden
        let bound = 1 / Float(h).squareRoot()
        for r in rows {
            for c in 0..<h { params[layout.classifierWeightOffset + r * h + c] = rng.uniform(bound) }
        }
        for r in rows { params[layout.classifierBiasOffset + r] = rng.uniform(bound) }
    }

    package var config: BertConfig { base.config }
    /// Arithmetic of the frozen matrix products: the base's storage precision.
    package var precision: ComputePrecision { base.precision }
    package var labelCount: Int { layout.labels }

    /// Trainable parameters: LoRA A and B plus the classifier.
    package var trainableParameterCount: Int { layout.count }
    /// Frozen base (embeddings, encoder, pooler) plus every trainable parameter.
    var totalParameterCount: Int { base.parameterCount + layout.count }

    /// Number of shards for a batch.
    func shardCount(_ batch: Int) -> Int { dataParallel ? max(1, min(threads, batch)) : 1 }

    /// Runs `body` with workspaces for a plan's shards from the pool (given back afterwards).
    /// - Parameter shape: the adapter shape to fit; default this model's.
    func withWorkspaces<R>(for plan: ShardPlan, shape: WorkspaceShape? = nil, _ body: ([Workspace]) throws -> R) rethrows -> R {
        let wss = workspacePool.checkout(plan.shards.count, needs: plan.needs,
                                         shape: shape ?? WorkspaceShape(layout, dropout: lora.dropout > 0), config: config)
        defer { workspacePool.giveBack(wss) }
        return try body(wss)
    }

    /// Allocates the Adam moments (zero) on first training use.
    func ensureOptimizerState() {
        if adamM.capacity < layout.count { adamM = Tensor(shape: [layout.count]) }
        if adamV.capacity < layout.count { adamV = Tensor(shape: [layout.count]) }
    }

    /// Whether the Adam moments exist (a model that never trained has none: they are zero).
    var hasOptimizerState: Bool { adamM.capacity >= layout.count }
}
