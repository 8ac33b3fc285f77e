import Foundation
import Tensor

/// The frozen dense weights of a base packed in bf16 for one direction of the pass: every encoder
/// layer's six denses (indexed like `LoRATarget.allCases`) and the pooler.
public final class FrozenBF16Weights: Sendable {
    /// [layer][target slot]
    let layers: [[PackedBF16Matrix]]
    let pooler: PackedBF16Matrix

    /// Packs each weight W (out, in) for the forward product x·Wᵀ, or for the input gradient dy·W.
    init(_ base: BertWeights, backward: Bool) {
        func pack(_ lin: FrozenLinear) -> PackedBF16Matrix {
            backward ? PackedBF16Matrix(backwardOf: lin.weight.ptr, out: lin.outFeatures, in: lin.inFeatures)
                     : PackedBF16Matrix(forwardOf: lin.weight.ptr, out: lin.outFeatures, in: lin.inFeatures)
        }
        layers = base.layers.map { w in LoRATarget.allCases.map { pack(w.linear($0)) } }
        pooler = pack(base.pooler)
    }

    func linear(layer: Int, _ target: LoRATarget) -> PackedBF16Matrix { layers[layer][target.slot] }

    /// Bytes held by the packings.
    public var byteCount: Int { layers.joined().reduce(pooler.byteCount) { $0 + $1.byteCount } }
}

/// Builds a base's bf16 packings on first use, once per process, so every adapter on the base
/// shares them and an fp32-only process never pays for them. Inference needs only the forward
/// packing (half the bytes of the fp32 weights); training adds the input-gradient one.
final class FrozenBF16Store: @unchecked Sendable {
    private let lock = NSLock()
    private var forward: FrozenBF16Weights?
    private var backward: FrozenBF16Weights?

    func weights(of base: BertWeights, backward wantBackward: Bool) -> FrozenBF16Weights {
        lock.lock()
        defer { lock.unlock() }
        if wantBackward {
            if let backward { return backward }
            let w = FrozenBF16Weights(base, backward: true)
            backward = w
            return w
        }
        if let forward { return forward }
        let w = FrozenBF16Weights(base, backward: false)
        forward = w
        return w
    }
}

extension BertWeights {
    /// The frozen denses packed in bf16 for the forward pass (built on first call).
    /// - Precondition: `BF16Support.available`.
    public var bf16Forward: FrozenBF16Weights { bf16Store.weights(of: self, backward: false) }
    /// The frozen denses packed in bf16 for input gradients (built on first call).
    public var bf16Backward: FrozenBF16Weights { bf16Store.weights(of: self, backward: true) }
}

extension LoRATarget {
    /// Position in `allCases`, the index of a dense inside a layer's packings.
    var slot: Int {
        switch self {
        case .query: 0
        case .key: 1
        case .value: 2
        case .attentionOutput: 3
        case .intermediate: 4
        case .output: 5
        }
    }
}
