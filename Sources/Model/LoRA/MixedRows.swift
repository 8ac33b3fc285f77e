import Tensor

/// What a pass over rows of several adapters needs to know about the adapters as a set: where
/// each adapted (layer, target) keeps its per-row LoRA activations in a workspace, which targets
/// any adapter carries per layer (the backward pass's stopping points), and the largest rank and
/// label count (row strides). Built once per mixed call and shared by its shards.
struct MixedLayout {
    let adapters: [BertLoRAModel]
    /// Workspace slot of every (layer, target) that some adapter adapts, keyed by `key(_:_:)`.
    let slots: [Int: Int]
    /// Per layer: the targets some adapter carries there.
    let targetsByLayer: [[LoRATarget]]
    /// Lowest layer any adapter adapts; the backward pass stops there.
    let lowestLayer: Int?
    /// Row stride of a slot (the largest rank) and of the logits (the largest label count).
    let rankStride: Int
    let logitStride: Int
    /// Whether some adapter trains with dropout (the workspace then needs its mask buffers).
    let dropout: Bool

    init(_ adapters: [BertLoRAModel]) {
        self.adapters = adapters
        let layers = adapters.first?.config.numHiddenLayers ?? 0
        var byLayer = [Set<LoRATarget>](repeating: [], count: layers)
        for a in adapters {
            for m in a.layout.modules { byLayer[m.layer].insert(m.target) }
        }
        targetsByLayer = byLayer.map { $0.sorted() }
        var slots: [Int: Int] = [:]
        for (l, targets) in targetsByLayer.enumerated() {
            for t in targets { slots[Self.key(l, t)] = slots.count }
        }
        self.slots = slots
        lowestLayer = targetsByLayer.firstIndex { !$0.isEmpty }
        rankStride = adapters.map(\.layout.rank).max() ?? 1
        logitStride = adapters.map(\.layout.labels).max() ?? 1
        dropout = adapters.contains { $0.lora.dropout > 0 }
    }

    static func key(_ layer: Int, _ target: LoRATarget) -> Int {
        layer * LoRATarget.allCases.count + LoRATarget.allCases.firstIndex(of: target)!
    }

    func slot(_ layer: Int, _ target: LoRATarget) -> Int? { slots[Self.key(layer, target)] }

    /// Workspace shape for a pass: inference needs one low-rank scratch (`du`) of the largest
    /// rank; training keeps x·Aᵀ (and dropout masks) per slot, `rankStride` floats per row.
    func workspaceShape(training: Bool) -> WorkspaceShape {
        let base = adapters.dropFirst().reduce(WorkspaceShape(adapters[0].layout, dropout: false)) {
            $0.union(WorkspaceShape($1.layout, dropout: false))
        }
        guard training else { return base }
        return WorkspaceShape(modules: slots.count, rank: rankStride, parameters: 0, labels: logitStride, dropout: dropout)
    }
}

/// Each example's adapter in a pass over rows of several adapters (a shard's view).
final class MixedRows {
    /// A run of consecutive examples (shard order) sharing one adapter.
    struct Run {
        let adapter: Int
        let start: Int
        let count: Int
    }

    let layout: MixedLayout
    var adapters: [BertLoRAModel] { layout.adapters }
    let runs: [Run]
    /// Examples in the shard.
    let examples: Int
    /// Logits per example in the workspace: the largest label count of the adapters.
    var logitStride: Int { layout.logitStride }
    /// Training: per adapter index, where this shard sums that adapter's gradients (nil when it
    /// has no rows here). Empty for inference.
    var grads: [UnsafeMutablePointer<Float>?] = []
    /// Training: each adapter's share of its loss from this shard's rows.
    var losses: [Float] = []

    init(_ layout: MixedLayout, rowAdapters: [Int]) {
        self.layout = layout
        examples = rowAdapters.count
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

    var training: Bool { !grads.isEmpty }
}
