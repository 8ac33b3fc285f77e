import Tensor

// Forward pass. Shapes: B batch, T seq, N = B·T rows, H hidden, I intermediate, NH heads,
// d = H/NH, r rank, C labels. Activations are row-major (N, features); heads are column slices.
extension BertLoRAModel {
    /// Runs embeddings, encoder and head; leaves logits in `ws.logits` (B, C).
    /// - Parameter training: keep every layer's activations and apply adapter dropout.
    func forward(_ batch: TokenBatch, ws: Workspace, training: Bool) {
        encode(batch, ws: ws, training: training)
        head(batch, ws: ws)
    }

    /// Embeddings and encoder; returns the buffer holding the last hidden states (N, H).
    @discardableResult
    func encode(_ batch: TokenBatch, ws: Workspace, training: Bool) -> Tensor {
        let B = batch.batch, T = batch.seq, N = B * T, H = config.hiddenSize
        for i in 0..<N { ws.maskAdd[i] = batch.mask[i] != 0 ? 0 : -Float.greatestFiniteMagnitude }
        // The embedding sum goes to a scratch buffer that is free during the forward pass.
        let sum = ws.dHiddenA.ptr
        batch.ids.withUnsafeBufferPointer { ids in
            Kernels.embeddingSum(sum, ids: ids.baseAddress!, word: base.wordEmbeddings.ptr, position: base.positionEmbeddings.ptr,
                                 tokenType: base.tokenTypeEmbeddings.ptr, batch: B, seq: T, cols: H)
        }
        Kernels.layerNormForward(ws.hidden[0].ptr, mean: ws.embMean.ptr, rstd: ws.embRstd.ptr, sum,
                                 gamma: base.embeddingNorm.gamma.ptr, beta: base.embeddingNorm.beta.ptr,
                                 rows: N, cols: H, eps: config.layerNormEps)
        let L = config.numHiddenLayers
        for l in 0..<L {
            let input = ws.hidden[training ? l : l % 2], output = ws.hidden[training ? l + 1 : (l + 1) % 2]
            layerForward(l, input: input.ptr, output: output.ptr, act: ws.layers[training ? l : 0],
                         batch: B, seq: T, ws: ws, training: training)
        }
        ws.lastHidden = training ? L : L % 2
        return ws.hidden[ws.lastHidden]
    }

    /// One encoder layer: self-attention with additive mask, residual + LayerNorm, GELU FFN,
    /// residual + LayerNorm. input, output are (N, H).
    func layerForward(_ l: Int, input x: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                      act: LayerActivations, batch B: Int, seq T: Int, ws: Workspace, training: Bool) {
        let w = base.layers[l]
        let N = B * T, H = config.hiddenSize, I = config.intermediateSize, NH = config.numAttentionHeads, d = config.headSize
        dense(w.query, layer: l, target: .query, x: x, rows: N, out: act.q.ptr, ws: ws, training: training)
        dense(w.key, layer: l, target: .key, x: x, rows: N, out: act.k.ptr, ws: ws, training: training)
        dense(w.value, layer: l, target: .value, x: x, rows: N, out: act.v.ptr, ws: ws, training: training)

        // scores (B, NH, T, T) = Q_bh · K_bhᵀ, then scaled masked softmax in place.
        let headStride = BatchStride(outer: T * H, inner: d), probStride = BatchStride(outer: NH * T * T, inner: T * T)
        gemmBatched(outer: B, inner: NH, transA: false, transB: true, m: T, n: T, k: d,
                            a: act.q.ptr, lda: H, strideA: headStride, b: act.k.ptr, ldb: H, strideB: headStride,
                            c: act.probs.ptr, ldc: T, strideC: probStride)
        Kernels.softmaxForward(act.probs.ptr, rows: B * NH * T, cols: T, scale: 1 / Float(d).squareRoot(),
                               mask: ws.maskAdd.ptr, rowsPerMask: NH * T)
        // ctx_bh (T, d) = P_bh · V_bh, written straight into (N, H).
        gemmBatched(outer: B, inner: NH, transA: false, transB: false, m: T, n: d, k: T,
                            a: act.probs.ptr, lda: T, strideA: probStride, b: act.v.ptr, ldb: H, strideB: headStride,
                            c: act.ctx.ptr, ldc: H, strideC: headStride)

        dense(w.attentionOutput, layer: l, target: .attentionOutput, x: act.ctx.ptr, rows: N, out: act.res1.ptr, ws: ws, training: training)
        Kernels.add(act.res1.ptr, act.res1.ptr, x, count: N * H)
        Kernels.layerNormForward(act.h1.ptr, mean: act.mean1.ptr, rstd: act.rstd1.ptr, act.res1.ptr,
                                 gamma: w.attentionNorm.gamma.ptr, beta: w.attentionNorm.beta.ptr, rows: N, cols: H, eps: config.layerNormEps)

        dense(w.intermediate, layer: l, target: .intermediate, x: act.h1.ptr, rows: N, out: act.inter.ptr, ws: ws, training: training)
        Kernels.geluForward(act.gelu.ptr, act.inter.ptr, count: N * I)
        dense(w.output, layer: l, target: .output, x: act.gelu.ptr, rows: N, out: act.res2.ptr, ws: ws, training: training)
        Kernels.add(act.res2.ptr, act.res2.ptr, act.h1.ptr, count: N * H)
        Kernels.layerNormForward(output, mean: act.mean2.ptr, rstd: act.rstd2.ptr, act.res2.ptr,
                                 gamma: w.outputNorm.gamma.ptr, beta: w.outputNorm.beta.ptr, rows: N, cols: H, eps: config.layerNormEps)
    }

    /// out (N, out) = x·Wᵀ + b + (alpha/r)·(x·Aᵀ)·Bᵀ; the LoRA branch is skipped when merged
    /// (then W is the merged weight). x·Aᵀ is kept in `ws.loraU` for the backward pass.
    func dense(_ lin: FrozenLinear, layer: Int, target: LoRATarget, x: UnsafeMutablePointer<Float>, rows n: Int,
               out: UnsafeMutablePointer<Float>, ws: Workspace, training: Bool) {
        let inF = lin.inFeatures, outF = lin.outFeatures
        let mi = layout.module(layer: layer, target: target)
        let weight = mi.flatMap { merged[$0] }?.ptr ?? lin.weight.ptr
        Kernels.broadcastRows(out, lin.bias.ptr, rows: n, cols: outF)
        gemm(transA: false, transB: true, m: n, n: outF, k: inF, a: x, lda: inF, b: weight, ldb: inF,
                     beta: 1, c: out, ldc: outF)
        guard let mi, merged.isEmpty else { return }
        let m = layout.modules[mi], r = layout.rank
        var xin = x
        if training && lora.dropout > 0 {
            let keep = 1 - lora.dropout, scale = 1 / keep
            let mask = ws.dropMask[mi].ptr, dropped = ws.dropInput[mi].ptr
            for j in 0..<(n * inF) {
                let s: Float = Float(Double(rng.next() >> 11) * 0x1.0p-53) < keep ? scale : 0
                mask[j] = s
                dropped[j] = x[j] * s
            }
            xin = dropped
        }
        let u = ws.loraU[mi].ptr
        gemm(transA: false, transB: true, m: n, n: r, k: inF, a: xin, lda: inF, b: params.ptr + m.aOffset, ldb: inF,
                     c: u, ldc: r)
        gemm(transA: false, transB: true, m: n, n: outF, k: r, alpha: lora.scaling, a: u, lda: r,
                     b: params.ptr + m.bOffset, ldb: r, beta: 1, c: out, ldc: outF)
    }

    /// Pooling and classifier: logits (B, C) from the last hidden states.
    func head(_ batch: TokenBatch, ws: Workspace) {
        pool(batch, ws: ws)
        let B = batch.batch, H = config.hiddenSize, C = layout.labels
        // Plain dot products, not gemm: each logit is then independent of the label count, so
        // growing the classifier leaves existing logits bitwise unchanged (and C is tiny anyway).
        flopCount += 2 * Double(B * C * H)
        let w = params.ptr + layout.classifierWeightOffset, bias = params.ptr + layout.classifierBiasOffset
        for b in 0..<B {
            let x = ws.pooled.ptr + b * H
            for c in 0..<C {
                let row = w + c * H
                var s: Float = 0
                for j in 0..<H { s += x[j] * row[j] }
                ws.logits[b * C + c] = s + bias[c]
            }
        }
    }

    /// ws.pooled (B, H): tanh(pooler([CLS])) or the masked mean of the last hidden states.
    func pool(_ batch: TokenBatch, ws: Workspace) {
        let B = batch.batch, T = batch.seq, H = config.hiddenSize
        let last = ws.hidden[ws.lastHidden]
        switch lora.pooling {
        case .cls:
            for b in 0..<B { (ws.clsIn.ptr + b * H).update(from: last.ptr + b * T * H, count: H) }
            Kernels.broadcastRows(ws.pooled.ptr, base.pooler.bias.ptr, rows: B, cols: H)
            gemm(transA: false, transB: true, m: B, n: H, k: H, a: ws.clsIn.ptr, lda: H, b: base.pooler.weight.ptr, ldb: H,
                         beta: 1, c: ws.pooled.ptr, ldc: H)
            Kernels.tanhForward(ws.pooled.ptr, ws.pooled.ptr, count: B * H)
        case .mean:
            batch.mask.withUnsafeBufferPointer { m in
                Kernels.meanPoolForward(ws.pooled.ptr, last.ptr, mask: m.baseAddress!, batch: B, seq: T, cols: H)
            }
        }
    }
}
