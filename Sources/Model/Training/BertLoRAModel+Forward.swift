import Tensor

// Forward pass. Shapes: B batch, T seq, N = B·T rows, H hidden, I intermediate, NH heads,
// d = H/NH, r rank, C labels. Activations are row-major (N, features); heads are column slices.
extension BertLoRAModel {
    /// Runs embeddings, encoder and head; leaves logits in `ws.logits` (B, C).
    /// - Parameter training: keep every layer's activations and apply adapter dropout.
    func forward(_ batch: BatchSlice, ws: Workspace, training: Bool) {
        encode(batch, ws: ws, training: training, clsOnly: lora.pooling == .cls)
        head(batch, ws: ws)
    }

    /// Embeddings and encoder; returns the buffer holding the last hidden states, (N, H) — or
    /// (B, H) [CLS] rows only when `clsOnly`: the pooler reads nothing else, so the top layer
    /// computes queries, attention, and the FFN for the [CLS] rows alone (keys and values still
    /// cover every token).
    @discardableResult
    func encode(_ batch: BatchSlice, ws: Workspace, training: Bool, clsOnly: Bool) -> Tensor {
        let B = batch.batch, T = batch.seq, N = B * T, H = config.hiddenSize
        ws.hasPadding = false
        for i in 0..<N {
            let keep = batch.mask[i] != 0
            ws.maskAdd[i] = keep ? 0 : -Float.greatestFiniteMagnitude
            if !keep { ws.hasPadding = true }
        }
        // The embedding sum goes to a scratch buffer that is free during the forward pass.
        let sum = ws.dHiddenA.ptr
        base.wordEmbeddings.embeddingSum(sum, ids: batch.ids, position: base.positionEmbeddings.ptr,
                                         tokenType: base.tokenTypeEmbeddings.ptr, batch: B, seq: T, cols: H)
        Kernels.layerNormForward(ws.hidden[0].ptr, mean: ws.embMean.ptr, rstd: ws.embRstd.ptr, sum,
                                 gamma: base.embeddingNorm.gamma.ptr, beta: base.embeddingNorm.beta.ptr,
                                 rows: N, cols: H, eps: config.layerNormEps)
        let L = config.numHiddenLayers
        if training { ws.prepareForTraining() }
        ws.topQueryRows = clsOnly ? 1 : T
        for l in 0..<L {
            let input = ws.hidden[training ? l : l % 2], output = ws.hidden[training ? l + 1 : (l + 1) % 2]
            layerForward(l, input: input.ptr, output: output.ptr, act: ws.layers[training ? l : 0],
                         batch: B, seq: T, queries: l == L - 1 ? ws.topQueryRows : T, ws: ws, training: training)
        }
        ws.lastHidden = training ? L : L % 2
        return ws.hidden[ws.lastHidden]
    }

    /// One encoder layer: self-attention with additive mask, residual + LayerNorm, GELU FFN,
    /// residual + LayerNorm. input is (B·T, H); output is (B·Tq, H) where Tq = `queries` is T, or 1
    /// for [CLS]-only (then the [CLS] rows of the input are gathered into `ws.topQueryInput`).
    func layerForward(_ l: Int, input x: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                      act: LayerActivations, batch B: Int, seq T: Int, queries tq: Int, ws: Workspace, training: Bool) {
        let w = base.layers[l]
        let N = B * T, Nq = B * tq, H = config.hiddenSize, I = config.intermediateSize, NH = config.numAttentionHeads, d = config.headSize
        let xq = tq == T ? x : ws.topQueryInput.ptr
        if tq != T {
            for b in 0..<B { (xq + b * tq * H).update(from: x + b * T * H, count: tq * H) }
        }
        dense(w.query, layer: l, target: .query, x: xq, rows: Nq, out: act.q.ptr, ws: ws, training: training)
        dense(w.key, layer: l, target: .key, x: x, rows: N, out: act.k.ptr, ws: ws, training: training)
        dense(w.value, layer: l, target: .value, x: x, rows: N, out: act.v.ptr, ws: ws, training: training)

        // scores (B, NH, Tq, T) = Q_bh · K_bhᵀ / √d (the scale rides on the gemm), then the
        // masked softmax in place (no mask pass at all when the slice has no padding).
        let kvStride = BatchStride(outer: T * H, inner: d), qStride = BatchStride(outer: tq * H, inner: d)
        let probStride = BatchStride(outer: NH * tq * T, inner: tq * T)
        ws.gemmBatched(outer: B, inner: NH, transA: false, transB: true, m: tq, n: T, k: d, alpha: 1 / Float(d).squareRoot(),
                    a: act.q.ptr, lda: H, strideA: qStride, b: act.k.ptr, ldb: H, strideB: kvStride,
                    c: act.probs.ptr, ldc: T, strideC: probStride)
        Kernels.softmaxForward(act.probs.ptr, rows: B * NH * tq, cols: T,
                               mask: ws.hasPadding ? ws.maskAdd.ptr : nil, rowsPerMask: NH * tq)
        // ctx_bh (Tq, d) = P_bh · V_bh, written straight into (B·Tq, H).
        ws.gemmBatched(outer: B, inner: NH, transA: false, transB: false, m: tq, n: d, k: T,
                    a: act.probs.ptr, lda: T, strideA: probStride, b: act.v.ptr, ldb: H, strideB: kvStride,
                    c: act.ctx.ptr, ldc: H, strideC: qStride)

        dense(w.attentionOutput, layer: l, target: .attentionOutput, x: act.ctx.ptr, rows: Nq, out: act.res1.ptr, ws: ws, training: training)
        Kernels.add(act.res1.ptr, act.res1.ptr, xq, count: Nq * H)
        Kernels.layerNormForward(act.h1.ptr, mean: act.mean1.ptr, rstd: act.rstd1.ptr, act.res1.ptr,
                                 gamma: w.attentionNorm.gamma.ptr, beta: w.attentionNorm.beta.ptr, rows: Nq, cols: H, eps: config.layerNormEps)

        dense(w.intermediate, layer: l, target: .intermediate, x: act.h1.ptr, rows: Nq, out: act.inter.ptr, ws: ws, training: training)
        Kernels.geluForward(act.gelu.ptr, act.inter.ptr, count: Nq * I)
        dense(w.output, layer: l, target: .output, x: act.gelu.ptr, rows: Nq, out: act.res2.ptr, ws: ws, training: training)
        Kernels.add(act.res2.ptr, act.res2.ptr, act.h1.ptr, count: Nq * H)
        Kernels.layerNormForward(output, mean: act.mean2.ptr, rstd: act.rstd2.ptr, act.res2.ptr,
                                 gamma: w.outputNorm.gamma.ptr, beta: w.outputNorm.beta.ptr, rows: Nq, cols: H, eps: config.layerNormEps)
    }

    /// out (N, out) = x·Wᵀ + b + (alpha/r)·(x·Aᵀ)·Bᵀ; the LoRA branch is skipped when merged
    /// (then W is the merged weight). x·Aᵀ is kept in `ws.loraU` for the backward pass.
    func dense(_ lin: FrozenLinear, layer: Int, target: LoRATarget, x: UnsafeMutablePointer<Float>, rows n: Int,
               out: UnsafeMutablePointer<Float>, ws: Workspace, training: Bool) {
        let inF = lin.inFeatures, outF = lin.outFeatures
        let mi = layout.module(layer: layer, target: target)
        Kernels.broadcastRows(out, lin.bias.ptr, rows: n, cols: outF)
        // A mixed pass adds each row's own LoRA branch, so its base GEMM uses W itself, never a merged copy.
        frozenForward(lin, mergedIndex: ws.mixed == nil ? mi : nil, x: x, rows: n,
                      beta: 1, out: out, ws: ws)
        if let mixed = ws.mixed {
            return addMixedLoRA(mixed, layer: layer, target: target, x: x, rows: n, inFeatures: inF, outFeatures: outF, out: out, ws: ws)
        }
        guard let mi, merged.isEmpty else { return }
        var xin = x
        if training && lora.dropout > 0 {
            xin = Self.dropout(x, count: n * inF, keep: 1 - lora.dropout, mask: ws.dropMask[mi].ptr, into: ws.dropInput[mi].ptr, ws: ws)
        }
        loraForward(layout.modules[mi], x: xin, rows: n, u: ws.loraU[mi].ptr, out: out, ws: ws)
    }

    /// out (n, out) += s·(x·Aᵀ)·Bᵀ with this adapter's pair `m`; x·Aᵀ (n, r) is left in `u`.
    func loraForward(_ m: LoRAModule, x: UnsafePointer<Float>, rows n: Int, u: UnsafeMutablePointer<Float>,
                     out: UnsafeMutablePointer<Float>, ws: Workspace) {
        let r = layout.rank
        ws.lowRankGemm(rows: n, transA: false, transB: true, m: n, n: r, k: m.inFeatures, a: x, lda: m.inFeatures,
                       b: params.ptr + m.aOffset, ldb: m.inFeatures, c: u, ldc: r)
        ws.lowRankGemm(rows: n, transA: false, transB: true, m: n, n: m.outFeatures, k: r, alpha: lora.scaling, a: u, lda: r,
                       b: params.ptr + m.bOffset, ldb: r, beta: 1, c: out, ldc: m.outFeatures)
    }

    /// Inverted dropout of `count` inputs from the shard's RNG: mask = keep⁻¹ or 0, dropped =
    /// x·mask (both kept for the backward pass). Returns `dropped`.
    static func dropout(_ x: UnsafePointer<Float>, count: Int, keep: Float, mask: UnsafeMutablePointer<Float>,
                        into dropped: UnsafeMutablePointer<Float>, ws: Workspace) -> UnsafeMutablePointer<Float> {
        let scale = 1 / keep
        for j in 0..<count {
            let s: Float = Float(Double(ws.rng.next() >> 11) * 0x1.0p-53) < keep ? scale : 0
            mask[j] = s
            dropped[j] = x[j] * s
        }
        return dropped
    }

    /// Pooling and classifier: logits (B, C) from the last hidden states.
    func head(_ batch: BatchSlice, ws: Workspace) {
        pool(batch, ws: ws)
        if let mixed = ws.mixed { return mixedClassifier(mixed, ws: ws) }
        let B = batch.batch, H = config.hiddenSize, C = layout.labels
        // Plain dot products, not gemm: each logit is then independent of the label count, so
        // growing the classifier leaves existing logits bitwise unchanged (and C is tiny anyway).
        ws.flops += 2 * Double(B * C * H)
        let w = params.ptr + layout.classifierWeightOffset, bias = params.ptr + layout.classifierBiasOffset
        for b in 0..<B {
            Self.classify(ws.pooled.ptr + b * H, weight: w, bias: bias, classes: C, hidden: H, into: ws.logits.ptr + b * C)
        }
    }

    /// ws.pooled (B, H): tanh(pooler([CLS])) or the masked mean of the last hidden states.
    func pool(_ batch: BatchSlice, ws: Workspace) {
        let B = batch.batch, T = batch.seq, H = config.hiddenSize
        let last = ws.hidden[ws.lastHidden]
        switch lora.pooling {
        case .cls:
            let rowsPerExample = ws.topQueryRows  // 1 when the top layer ran for [CLS] only
            for b in 0..<B { (ws.clsIn.ptr + b * H).update(from: last.ptr + b * rowsPerExample * H, count: H) }
            Kernels.broadcastRows(ws.pooled.ptr, base.pooler.bias.ptr, rows: B, cols: H)
            frozenForward(base.pooler, mergedIndex: nil, x: ws.clsIn.ptr, rows: B, beta: 1, out: ws.pooled.ptr, ws: ws)
            Kernels.tanhForward(ws.pooled.ptr, ws.pooled.ptr, count: B * H)
        case .mean:
            Kernels.meanPoolForward(ws.pooled.ptr, last.ptr, mask: batch.mask, batch: B, seq: T, cols: H)
        }
    }
}
