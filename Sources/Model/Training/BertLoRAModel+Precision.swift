import Tensor

// The frozen matrix products in the base's precision: fp32 sgemm on the fp32 weights (exactly
// the original calls), or the bf16 kernel on the one bf16 packing of each weight. Only these
// products change with `precision`; everything else in the passes stays fp32.
extension BertLoRAModel {
    /// out (n, out) = x (n, in) · Wᵀ + beta · out, with W the frozen weight of `lin`, or the
    /// merged weight of LoRA module `mergedIndex` when the model is merged.
    func frozenForward(_ lin: FrozenLinear, mergedIndex mi: Int?, x: UnsafePointer<Float>, rows n: Int,
                       beta: Float, out: UnsafeMutablePointer<Float>, ws: Workspace) {
        let inF = lin.inFeatures, outF = lin.outFeatures
        switch mi.flatMap({ merged[$0] }) ?? lin.weight {
        case .fp32(let w):
            ws.gemm(transA: false, transB: true, m: n, n: outF, k: inF, a: x, lda: inF, b: w.ptr, ldb: inF,
                    beta: beta, c: out, ldc: outF)
        case .bf16(let packed):
            ws.gemmBF16(m: n, a: x, lda: inF, b: packed, transposed: false, beta: beta, c: out, ldc: outF)
        }
    }

    /// dx (n, in) = dy (n, out) · W + beta · dx through the frozen (unmerged) weight of `lin`;
    /// in bf16 the kernel reads the forward packing transposed.
    func frozenInputGradient(_ lin: FrozenLinear, dy: UnsafePointer<Float>, rows n: Int,
                             beta: Float, dx: UnsafeMutablePointer<Float>, ws: Workspace) {
        let inF = lin.inFeatures, outF = lin.outFeatures
        switch lin.weight {
        case .fp32(let w):
            ws.gemm(transA: false, transB: false, m: n, n: inF, k: outF, a: dy, lda: outF, b: w.ptr, ldb: inF,
                    beta: beta, c: dx, ldc: inF)
        case .bf16(let packed):
            ws.gemmBF16(m: n, a: dy, lda: outF, b: packed, transposed: true, beta: beta, c: dx, ldc: inF)
        }
    }
}
