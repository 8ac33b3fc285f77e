import Tensor

/// A frozen dense weight the encoder multiplies by.
enum FrozenWeight {
    case dense(layer: Int, target: LoRATarget)
    case pooler
}

// The frozen matrix products in the active precision: fp32 sgemm on the fp32 weights (exactly
// the original calls), or the bf16 kernel on the base's shared bf16 packings. Only these
// products change with `precision`; everything else in the passes stays fp32.
extension BertLoRAModel {
    /// Switches the arithmetic of the frozen products (see `ComputePrecision`). Switching to bf16
    /// packs the base's denses once per base (shared by every model on it) and re-packs merged
    /// weights if the model is merged.
    /// - Throws: `PrecisionError.bf16Unavailable` for bf16 on a CPU without AVX512_BF16.
    public func setPrecision(_ p: ComputePrecision) throws {
        if p == .bf16 {
            guard BF16Support.available else { throw PrecisionError.bf16Unavailable }
            frozenBF16 = base.bf16Forward
        } else {
            frozenBF16 = nil
            frozenBF16Backward = nil
        }
        precision = p
        packMerged()
    }

    /// bf16 copies of the merged weights when in bf16 (called whenever `merged` changes).
    func packMerged() {
        mergedBF16 = precision == .bf16
            ? merged.mapValues { PackedBF16Matrix(forwardOf: $0.ptr, out: $0.shape[0], in: $0.shape[1]) }
            : [:]
    }

    /// Fetches the input-gradient packings before shards run (training in bf16 only).
    func prepareBackwardPrecision() {
        if precision == .bf16 && frozenBF16Backward == nil { frozenBF16Backward = base.bf16Backward }
    }

    /// out (n, out) = x (n, in) · Wᵀ + beta · out, with W the frozen weight `w` (`lin`), or the
    /// merged weight of LoRA module `mergedIndex` when the model is merged.
    func frozenForward(_ w: FrozenWeight, _ lin: FrozenLinear, mergedIndex mi: Int?, x: UnsafePointer<Float>, rows n: Int,
                       beta: Float, out: UnsafeMutablePointer<Float>, ws: Workspace) {
        let inF = lin.inFeatures, outF = lin.outFeatures
        if let frozenBF16 {
            let packed: PackedBF16Matrix
            if let mi, let m = mergedBF16[mi] {
                packed = m
            } else {
                switch w {
                case .dense(let layer, let target): packed = frozenBF16.linear(layer: layer, target)
                case .pooler: packed = frozenBF16.pooler
                }
            }
            ws.gemmBF16(m: n, a: x, lda: inF, b: packed, beta: beta, c: out, ldc: outF)
            return
        }
        let weight = mi.flatMap { merged[$0] }?.ptr ?? lin.weight.ptr
        ws.gemm(transA: false, transB: true, m: n, n: outF, k: inF, a: x, lda: inF, b: weight, ldb: inF,
                beta: beta, c: out, ldc: outF)
    }

    /// dx (n, in) = dy (n, out) · W + beta · dx through the frozen (unmerged) weight `w`.
    func frozenInputGradient(_ w: FrozenWeight, _ lin: FrozenLinear, dy: UnsafePointer<Float>, rows n: Int,
                             beta: Float, dx: UnsafeMutablePointer<Float>, ws: Workspace) {
        let inF = lin.inFeatures, outF = lin.outFeatures
        if let packs = frozenBF16Backward {
            let packed: PackedBF16Matrix
            switch w {
            case .dense(let layer, let target): packed = packs.linear(layer: layer, target)
            case .pooler: packed = packs.pooler
            }
            ws.gemmBF16(m: n, a: dy, lda: outF, b: packed, beta: beta, c: dx, ldc: inF)
            return
        }
        ws.gemm(transA: false, transB: false, m: n, n: inF, k: outF, a: dy, lda: outF, b: lin.weight.ptr, ldb: inF,
                beta: beta, c: dx, ldc: inF)
    }
}
