import SeededRandom
import Tensor

/// Activations a layer keeps for its backward pass. Shapes: N = batch·seq rows.
final class LayerActivations {
    let q, k, v, ctx: Tensor          // (N, H)
    let probs: Tensor                 // (B, NH, T, T)
    let res1, h1: Tensor              // attention output + residual (pre-LN), LN1 output (N, H)
    let inter, gelu: Tensor           // (N, I) pre- and post-activation
    let res2: Tensor                  // FFN output + residual, pre-LN (N, H)
    let mean1, rstd1, mean2, rstd2: Tensor  // (N)

    init(rows n: Int, probs p: Int, hidden h: Int, intermediate i: Int) {
        q = Tensor(shape: [n * h]); k = Tensor(shape: [n * h]); v = Tensor(shape: [n * h]); ctx = Tensor(shape: [n * h])
        probs = Tensor(shape: [p])
        res1 = Tensor(shape: [n * h]); h1 = Tensor(shape: [n * h])
        inter = Tensor(shape: [n * i]); gelu = Tensor(shape: [n * i])
        res2 = Tensor(shape: [n * h])
        mean1 = Tensor(shape: [n]); rstd1 = Tensor(shape: [n]); mean2 = Tensor(shape: [n]); rstd2 = Tensor(shape: [n])
    }
}

/// Every buffer the forward and backward passes of one shard need, allocated once for a
/// capacity (examples, token rows, attention entries) and an adapter shape (modules, rank,
/// parameters, labels), and reused for any shard and any adapter that fits, so a training step
/// never allocates. Workspaces belong to a `WorkspacePool` (the runtime's threads), not to an
/// adapter. Each shard also owns its gradient buffer, flop count and dropout RNG, so shards run
/// concurrently without sharing anything mutable.
final class Workspace {
    /// Examples, token rows and attention entries per head this workspace holds.
    let capacity: WorkspaceNeeds
    /// The largest adapter this workspace serves.
    let shape: WorkspaceShape
    var labelCapacity: Int { shape.labels }

    let maskAdd: Tensor                 // (B, T) additive attention mask
    var hasPadding = false              // whether maskAdd has any masked position
    let hidden: [Tensor]                // L + 1 buffers (N, H): input of layer l, final output
    var lastHidden = 0                  // index in `hidden` of the encoder output after `encode`
    var topQueryRows = 0                // query rows per example in the top layer: T, or 1 ([CLS] only)
    let topQueryInput: Tensor           // (B, H) gathered [CLS] rows of the top layer's input
    /// Per-layer activations: one set for inference (reused by every layer), one per layer once a
    /// training step has run (`prepareForTraining`), so a serving-only model stays small.
    private(set) var layers: [LayerActivations]
    private let layerCount: Int
    private let rows: Int, probsCount: Int, hiddenSize: Int, intermediateSize: Int
    let loraU: [Tensor]                 // per LoRA module: x·Aᵀ (N, r)
    let dropMask: [Tensor]              // per LoRA module when dropout > 0: keep/(1−p) (N, in)
    let dropInput: [Tensor]             // per LoRA module when dropout > 0: dropped input (N, in)
    let embMean, embRstd: Tensor        // (N)

    // Backward scratch.
    let dHiddenA, dHiddenB: Tensor      // (N, H)
    let dq, dk, dv, dctx, dh1: Tensor   // (N, H)
    let dInter: Tensor                  // (N, I)
    let dProbs: Tensor                  // (B, NH, T, T)
    let du: Tensor                      // (N, r)
    let dLoRAInput: Tensor              // (N, max(H, I)) for dropout's input gradient

    // Head.
    let clsIn, pooled, dPooled, dClsIn: Tensor   // (B, H)
    let logits, dLogits: Tensor                  // (B, C)
    let labelBuffer: UnsafeMutablePointer<Int32>
    let weightBuffer: UnsafeMutablePointer<Float>

    // Per-shard results.
    let grads: Tensor                   // same layout as the model's parameters
    var flops: Double = 0
    var loss: Float = 0
    var rng = SplitMix64(seed: 0)
    /// Rows of several adapters in one pass (`BertLoRAModel.predictMixed`): each example's
    /// adapter, in shard order; nil for the usual single-adapter pass.
    var mixed: MixedRows?

    init(config: BertConfig, shape: WorkspaceShape, capacity: WorkspaceNeeds) {
        self.capacity = capacity
        self.shape = shape
        let c = shape.labels
        let batch = capacity.batch, n = capacity.tokens, h = config.hiddenSize, i = config.intermediateSize, r = shape.rank
        let p = capacity.attention * config.numAttentionHeads
        maskAdd = Tensor(shape: [n])
        hidden = (0...config.numHiddenLayers).map { _ in Tensor(shape: [n * h]) }
        layers = [LayerActivations(rows: n, probs: p, hidden: h, intermediate: i)]
        layerCount = config.numHiddenLayers
        rows = n; probsCount = p; hiddenSize = h; intermediateSize = i
        loraU = (0..<shape.modules).map { _ in Tensor(shape: [n * r]) }
        dropMask = shape.dropout ? (0..<shape.modules).map { _ in Tensor(shape: [n * max(h, i)]) } : []
        dropInput = shape.dropout ? (0..<shape.modules).map { _ in Tensor(shape: [n * max(h, i)]) } : []
        embMean = Tensor(shape: [n]); embRstd = Tensor(shape: [n])
        topQueryInput = Tensor(shape: [batch * h])
        dHiddenA = Tensor(shape: [n * h]); dHiddenB = Tensor(shape: [n * h])
        dq = Tensor(shape: [n * h]); dk = Tensor(shape: [n * h]); dv = Tensor(shape: [n * h])
        dctx = Tensor(shape: [n * h]); dh1 = Tensor(shape: [n * h])
        dInter = Tensor(shape: [n * i])
        dProbs = Tensor(shape: [p])
        du = Tensor(shape: [n * r])
        dLoRAInput = Tensor(shape: [n * max(h, i)])
        clsIn = Tensor(shape: [batch * h]); pooled = Tensor(shape: [batch * h])
        dPooled = Tensor(shape: [batch * h]); dClsIn = Tensor(shape: [batch * h])
        logits = Tensor(shape: [batch * c]); dLogits = Tensor(shape: [batch * c])
        labelBuffer = .allocate(capacity: batch)
        labelBuffer.initialize(repeating: 0, count: batch)
        weightBuffer = .allocate(capacity: batch)
        weightBuffer.initialize(repeating: 1, count: batch)
        grads = Tensor(shape: [shape.parameters])
    }

    deinit {
        labelBuffer.deallocate()
        weightBuffer.deallocate()
    }

    /// Allocates the remaining per-layer activation sets (once).
    func prepareForTraining() {
        while layers.count < layerCount {
            layers.append(LayerActivations(rows: rows, probs: probsCount, hidden: hiddenSize, intermediate: intermediateSize))
        }
    }

    func fits(_ needs: WorkspaceNeeds, _ shape: WorkspaceShape) -> Bool {
        needs.batch <= capacity.batch && needs.tokens <= capacity.tokens && needs.attention <= capacity.attention
            && self.shape.holds(shape)
    }
}

/// The adapter-dependent sizes of a workspace: LoRA modules (and whether they need dropout
/// buffers), the largest rank, trainable parameters and labels.
struct WorkspaceShape: Equatable {
    var modules: Int
    var rank: Int
    var parameters: Int
    var labels: Int
    var dropout: Bool

    init(modules: Int, rank: Int, parameters: Int, labels: Int, dropout: Bool) {
        self.modules = modules; self.rank = rank; self.parameters = parameters; self.labels = labels; self.dropout = dropout
    }

    /// What a model's passes need.
    init(_ layout: ParameterLayout, dropout: Bool) {
        self.init(modules: layout.modules.count, rank: layout.rank, parameters: layout.count, labels: layout.labels, dropout: dropout)
    }

    func holds(_ other: WorkspaceShape) -> Bool {
        other.modules <= modules && other.rank <= rank && other.parameters <= parameters && other.labels <= labels
            && (!other.dropout || dropout)
    }

    /// The smallest shape holding both.
    func union(_ o: WorkspaceShape) -> WorkspaceShape {
        WorkspaceShape(modules: max(modules, o.modules), rank: max(rank, o.rank), parameters: max(parameters, o.parameters),
                       labels: max(labels, o.labels), dropout: dropout || o.dropout)
    }
}

extension WorkspaceNeeds {
    /// The smallest capacity holding both.
    func union(_ o: WorkspaceNeeds) -> WorkspaceNeeds {
        WorkspaceNeeds(batch: max(batch, o.batch), tokens: max(tokens, o.tokens), attention: max(attention, o.attention))
    }
}
