import Tensor

/// Merging for inference: W' = W + (alpha/r)·B·A per adapted module, so a merged adapter costs
/// exactly what the base costs. The base weights are never modified; merged copies live beside them.
extension BertLoRAModel {
    /// True while forward passes use merged weights (training unmerges automatically).
    var isMerged: Bool { !merged.isEmpty }

    /// Computes every merged weight and switches inference to them. Merged weights are stored
    /// like the base's (in bf16, W' is computed in fp32 from the bf16 W and rounded once).
    /// - Throws: `ModelError.nonFinite` naming the first module whose merged weight has NaN/inf;
    ///   nothing is published then (the model stays unmerged).
    package func merge() throws {
        var out: [Int: FrozenMatrix] = [:]
        for (i, m) in layout.modules.enumerated() {
            let w = mergedWeight(m)
            guard w.isFinite else {
                throw ModelError.nonFinite("merged weight of \(m.peftPrefix) (refusing to publish)")
            }
            out[i] = precision == .fp32 ? .fp32(w) : FrozenMatrix(w.ptr, out: m.outFeatures, in: m.inFeatures, precision: precision)
        }
        merged = out
    }

    /// Returns to the unmerged path (base W plus the LoRA branch).
    func unmerge() { merged.removeAll() }

    /// Merged dense weights under BertModel names (`encoder.layer.N.….weight`), for export.
    /// - Throws: `ModelError.nonFinite` like `merge()`.
    func mergedWeights() throws -> [NamedTensor] {
        try layout.modules.map { m in
            let w = mergedWeight(m)
            guard w.isFinite else { throw ModelError.nonFinite("merged weight of \(m.peftPrefix)") }
            return NamedTensor(name: "encoder.layer.\(m.layer).\(m.target.modulePath).weight",
                               shape: [m.outFeatures, m.inFeatures], data: w.array)
        }
    }

    /// W (out, in) + s · B (out, r) · A (r, in).
    private func mergedWeight(_ m: LoRAModule) -> Tensor {
        let base = self.base.layers[m.layer].linear(m.target).weight.floats()
        let w = Tensor(shape: base.shape)
        w.ptr.update(from: base.ptr, count: base.count)
        Kernels.gemm(transA: false, transB: false, m: m.outFeatures, n: m.inFeatures, k: layout.rank, alpha: lora.scaling,
                     a: params.ptr + m.bOffset, lda: layout.rank, b: params.ptr + m.aOffset, ldb: m.inFeatures,
                     beta: 1, c: w.ptr, ldc: m.inFeatures)
        return w
    }
}
