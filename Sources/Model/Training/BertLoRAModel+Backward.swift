import Tensor

// Backward pass: gradients only for LoRA A/B and the classifier (never dW of frozen weights),
// and only down to the lowest module that carries an adapter. Accumulates into `grads` (+=).
extension BertLoRAModel {
    /// Propagates `ws.dLogits` (B, C) back through the head and the encoder.
    func backward(_ batch: BatchSlice, ws: Workspace) {
        let B = batch.batch, T = batch.seq, N = B * T, H = config.hiddenSize
        let lowest: Int?
        if let mixed = ws.mixed { lowest = mixedClassifierBackward(mixed, ws: ws) } else { lowest = classifierBackward(rows: B, ws: ws) }
        guard let lowest else { return }
        var dOut = ws.dHiddenA, dIn = ws.dHiddenB
        switch lora.pooling {
        case .cls:
            // Frozen pooler: through tanh and W_p to the [CLS] rows; other rows get zero.
            Kernels.tanhBackward(ws.dPooled.ptr, ws.pooled.ptr, ws.dPooled.ptr, count: B * H)
            frozenInputGradient(base.pooler, dy: ws.dPooled.ptr, rows: B, beta: 0, dx: ws.dClsIn.ptr, ws: ws)
            if ws.topQueryRows == 1 {
                dOut.ptr.update(from: ws.dClsIn.ptr, count: B * H)  // top layer kept [CLS] rows only
            } else {
                dOut.ptr.update(repeating: 0, count: N * H)
                for b in 0..<B { (dOut.ptr + b * T * H).update(from: ws.dClsIn.ptr + b * H, count: H) }
            }
        case .mean:
            Kernels.meanPoolBackward(dOut.ptr, ws.dPooled.ptr, mask: batch.mask, batch: B, seq: T, cols: H)
        }
        let L = config.numHiddenLayers
        for l in stride(from: L - 1, through: lowest, by: -1) {
            layerBackward(l, dOut: dOut.ptr, dIn: l > lowest ? dIn.ptr : nil, batch: B, seq: T,
                          queries: l == L - 1 ? ws.topQueryRows : T, ws: ws)
            swap(&dOut, &dIn)
        }
    }

    /// Classifier gradients (dW (C, H) += dLogitsᵀ · pooled; db (C) += Σ_b dLogits) and, when some
    /// layer carries an adapter, dPooled (B, H) = dLogits · W_c. Returns the lowest LoRA layer.
    private func classifierBackward(rows B: Int, ws: Workspace) -> Int? {
        let H = config.hiddenSize, C = layout.labels
        ws.gemm(transA: true, transB: false, m: C, n: H, k: B, a: ws.dLogits.ptr, lda: C, b: ws.pooled.ptr, ldb: H,
                beta: 1, c: ws.grads.ptr + layout.classifierWeightOffset, ldc: H)
        for b in 0..<B {
            for c in 0..<C { ws.grads[layout.classifierBiasOffset + c] += ws.dLogits[b * C + c] }
        }
        guard let lowest = layout.lowestLoRALayer else { return nil }
        ws.gemm(transA: false, transB: false, m: B, n: H, k: C, a: ws.dLogits.ptr, lda: C,
                b: params.ptr + layout.classifierWeightOffset, ldb: H, c: ws.dPooled.ptr, ldc: H)
        return lowest
    }

    /// Backward through layer `l`. `dOut` (B·Tq, H) is the gradient of the layer output and is used
    /// as scratch; `dIn` (B·T, H) receives the gradient of the layer input, or nil when no layer
    /// below needs it — then the pass stops after the lowest adapter of this layer. Tq = `queries`
    /// as in `layerForward`.
    func layerBackward(_ l: Int, dOut: UnsafeMutablePointer<Float>, dIn: UnsafeMutablePointer<Float>?,
                       batch B: Int, seq T: Int, queries tq: Int, ws: Workspace) {
        let w = base.layers[l], act = ws.layers[l], x = ws.hidden[l].ptr
        let xq = tq == T ? x : ws.topQueryInput.ptr
        let N = B * T, Nq = B * tq, H = config.hiddenSize, I = config.intermediateSize, NH = config.numAttentionHeads, d = config.headSize
        let here = ws.mixed?.layout.targetsByLayer[l] ?? layout.targetsByLayer[l]
        var lowestDepth = 4
        for t in here { lowestDepth = min(lowestDepth, t.depth) }
        /// Whether anything below depth `depth` of this layer needs a gradient.
        func needBelow(_ depth: Int) -> Bool { dIn != nil || lowestDepth < depth }
        func has(_ t: LoRATarget) -> Bool { here.contains(t) }

        // Output LayerNorm, then the FFN output dense (input: gelu (Nq, I)).
        Kernels.layerNormBackward(dOut, dOut, act.res2.ptr, mean: act.mean2.ptr, rstd: act.rstd2.ptr,
                                  gamma: w.outputNorm.gamma.ptr, rows: Nq, cols: H)
        denseBackward(w.output, layer: l, target: .output, x: act.gelu.ptr, dy: dOut, rows: Nq,
                      dx: needBelow(3) ? ws.dInter.ptr : nil, accumulate: false, ws: ws)
        guard needBelow(3) else { return }
        Kernels.geluBackward(ws.dInter.ptr, act.inter.ptr, ws.dInter.ptr, count: Nq * I)
        // dh1 = residual path + intermediate dense's input gradient.
        let dh1 = ws.dh1.ptr
        dh1.update(from: dOut, count: Nq * H)
        denseBackward(w.intermediate, layer: l, target: .intermediate, x: act.h1.ptr, dy: ws.dInter.ptr, rows: Nq,
                      dx: needBelow(2) ? dh1 : nil, accumulate: true, ws: ws)
        guard needBelow(2) else { return }
        Kernels.layerNormBackward(dh1, dh1, act.res1.ptr, mean: act.mean1.ptr, rstd: act.rstd1.ptr,
                                  gamma: w.attentionNorm.gamma.ptr, rows: Nq, cols: H)
        let dctx = ws.dctx.ptr
        denseBackward(w.attentionOutput, layer: l, target: .attentionOutput, x: act.ctx.ptr, dy: dh1, rows: Nq,
                      dx: needBelow(1) ? dctx : nil, accumulate: false, ws: ws)
        guard needBelow(1) else { return }

        // Attention. dV_bh = P_bhᵀ·dctx_bh; dP_bh = dctx_bh·V_bhᵀ; dS = softmax'(dP);
        // dQ_bh = scale·dS·K_bh; dK_bh = scale·dSᵀ·Q_bh. P_bh is (Tq, T).
        let needQ = dIn != nil || has(.query), needK = dIn != nil || has(.key), needV = dIn != nil || has(.value)
        let kvStride = BatchStride(outer: T * H, inner: d), qStride = BatchStride(outer: tq * H, inner: d)
        let probStride = BatchStride(outer: NH * tq * T, inner: tq * T)
        let scale = 1 / Float(d).squareRoot()
        if needV {
            ws.gemmBatched(outer: B, inner: NH, transA: true, transB: false, m: T, n: d, k: tq,
                        a: act.probs.ptr, lda: T, strideA: probStride, b: dctx, ldb: H, strideB: qStride,
                        c: ws.dv.ptr, ldc: H, strideC: kvStride)
        }
        if needQ || needK {
            ws.gemmBatched(outer: B, inner: NH, transA: false, transB: true, m: tq, n: T, k: d,
                        a: dctx, lda: H, strideA: qStride, b: act.v.ptr, ldb: H, strideB: kvStride,
                        c: ws.dProbs.ptr, ldc: T, strideC: probStride)
            Kernels.softmaxBackward(ws.dProbs.ptr, probs: act.probs.ptr, dprobs: ws.dProbs.ptr, rows: B * NH * tq, cols: T)
        }
        if needQ {
            ws.gemmBatched(outer: B, inner: NH, transA: false, transB: false, m: tq, n: d, k: T, alpha: scale,
                        a: ws.dProbs.ptr, lda: T, strideA: probStride, b: act.k.ptr, ldb: H, strideB: kvStride,
                        c: ws.dq.ptr, ldc: H, strideC: qStride)
        }
        if needK {
            ws.gemmBatched(outer: B, inner: NH, transA: true, transB: false, m: T, n: d, k: tq, alpha: scale,
                        a: ws.dProbs.ptr, lda: T, strideA: probStride, b: act.q.ptr, ldb: H, strideB: qStride,
                        c: ws.dk.ptr, ldc: H, strideC: kvStride)
        }
        // dIn = residual (query rows) + the Q, K, V denses' input gradients. With [CLS]-only
        // queries, the query-row part is summed in dh1 and scattered into the [CLS] rows.
        let dxq: UnsafeMutablePointer<Float>?
        if let dIn, tq == T {
            dIn.update(from: dh1, count: N * H)
            dxq = dIn
        } else {
            dIn?.update(repeating: 0, count: N * H)
            dxq = dIn == nil ? nil : dh1
        }
        if needQ { denseBackward(w.query, layer: l, target: .query, x: xq, dy: ws.dq.ptr, rows: Nq, dx: dxq, accumulate: true, ws: ws) }
        if needK { denseBackward(w.key, layer: l, target: .key, x: x, dy: ws.dk.ptr, rows: N, dx: dIn, accumulate: true, ws: ws) }
        if needV { denseBackward(w.value, layer: l, target: .value, x: x, dy: ws.dv.ptr, rows: N, dx: dIn, accumulate: true, ws: ws) }
        if let dIn, tq != T {
            for b in 0..<B {
                let dst = dIn + b * T * H, src = dh1 + b * tq * H
                for j in 0..<(tq * H) { dst[j] += src[j] }
            }
        }
    }

    /// Backward of `dense`: LoRA gradients (dB += s·dyᵀ·u, dA += (s·dy·B)ᵀ·x) and, when `dx` is
    /// given, the input gradient dy·W (+ the LoRA path), written or accumulated.
    /// x (N, in), dy (N, out), dx (N, in).
    func denseBackward(_ lin: FrozenLinear, layer: Int, target: LoRATarget, x: UnsafeMutablePointer<Float>,
                       dy: UnsafeMutablePointer<Float>, rows n: Int, dx: UnsafeMutablePointer<Float>?,
                       accumulate: Bool, ws: Workspace) {
        if let dx {
            frozenInputGradient(lin, dy: dy, rows: n, beta: accumulate ? 1 : 0, dx: dx, ws: ws)
        }
        if let mixed = ws.mixed {
            return mixedLoRABackward(mixed, layer: layer, target: target, x: x, dy: dy, rows: n,
                                     inFeatures: lin.inFeatures, outFeatures: lin.outFeatures, dx: dx, ws: ws)
        }
        guard let mi = layout.module(layer: layer, target: target) else { return }
        let dropout = lora.dropout > 0
        loraBackward(layout.modules[mi], x: dropout ? ws.dropInput[mi].ptr : x, dy: dy, rows: n, u: ws.loraU[mi].ptr,
                     grads: ws.grads.ptr, dx: dx, mask: dropout ? ws.dropMask[mi].ptr : nil, ws: ws)
    }

    /// Backward of `loraForward` for this adapter's pair `m` over n rows: dB += s·dyᵀ·u and
    /// dA += (s·dy·B)ᵀ·x into `grads` (this adapter's layout), and dx += (s·dy·B)·A (times the
    /// dropout `mask` when given). x is the (dropped) input the forward pass multiplied.
    func loraBackward(_ m: LoRAModule, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows n: Int,
                      u: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                      mask: UnsafePointer<Float>?, ws: Workspace) {
        let inF = m.inFeatures, outF = m.outFeatures, r = layout.rank, s = lora.scaling, du = ws.du.ptr
        ws.lowRankGemm(rows: n, transA: true, transB: false, m: outF, n: r, k: n, alpha: s, a: dy, lda: outF, b: u, ldb: r,
                       beta: 1, c: grads + m.bOffset, ldc: r)
        ws.lowRankGemm(rows: n, transA: false, transB: false, m: n, n: r, k: outF, alpha: s, a: dy, lda: outF,
                       b: params.ptr + m.bOffset, ldb: r, c: du, ldc: r)
        ws.lowRankGemm(rows: n, transA: true, transB: false, m: r, n: inF, k: n, a: du, lda: r, b: x, ldb: inF,
                       beta: 1, c: grads + m.aOffset, ldc: inF)
        guard let dx else { return }
        if let mask {
            let tmp = ws.dLoRAInput.ptr
            ws.lowRankGemm(rows: n, transA: false, transB: false, m: n, n: inF, k: r, a: du, lda: r, b: params.ptr + m.aOffset, ldb: inF,
                           c: tmp, ldc: inF)
            for j in 0..<(n * inF) { dx[j] += tmp[j] * mask[j] }
        } else {
            ws.lowRankGemm(rows: n, transA: false, transB: false, m: n, n: inF, k: r, a: du, lda: r, b: params.ptr + m.aOffset, ldb: inF,
                           beta: 1, c: dx, ldc: inF)
        }
    }
}
