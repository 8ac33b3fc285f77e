import Testing
@testable import Tensor

private let rowShapes = [(1, 1), (3, 7), (12, 64), (5, 383)]

@Suite struct RowKernelTests {
    @Test(arguments: rowShapes, [false, true])
    func softmaxForwardBackward(shape: (Int, Int), masked: Bool) {
        let (rows, cols) = shape
        let x = randomArray(rows * cols, seed: 20, scale: 5)
        // Two mask rows, the second masking every odd column the way transformers does.
        var mask = [Float](repeating: 0, count: 2 * cols)
        for c in 0..<cols where c % 2 == 1 { mask[cols + c] = -Float.greatestFiniteMagnitude }
        let rowsPerMask = max(1, (rows + 1) / 2)
        let fwd = twin(x) { p, fast in
            mask.withUnsafeBufferPointer { mp in
                (fast ? Kernels.softmaxForward : Reference.softmaxForward)(p, rows, cols, 0.7, masked ? mp.baseAddress : nil, rowsPerMask)
            }
        }
        #expect(relativeError(fwd.fast, fwd.ref) < 1e-5)
        if masked && rows > rowsPerMask && cols > 1 { #expect(fwd.fast[(rows - 1) * cols + 1] == 0) }
        let dp = randomArray(rows * cols, seed: 21)
        let bwd = twin(dp) { p, fast in (fast ? Kernels.softmaxBackward : Reference.softmaxBackward)(p, fwd.ref, p, rows, cols) }
        #expect(relativeError(bwd.fast, bwd.ref) < 1e-4)
    }

    @Test(arguments: rowShapes)
    func layerNormForwardBackward(shape: (Int, Int)) {
        let (rows, cols) = shape
        let x = randomArray(rows * cols, seed: 22, scale: 3)
        let gamma = randomArray(cols, seed: 23), beta = randomArray(cols, seed: 24)
        var meanF = [Float](repeating: 0, count: rows), rstdF = meanF, meanR = meanF, rstdR = meanF
        let fwd = twin([Float](repeating: 0, count: rows * cols)) { out, fast in
            if fast { Kernels.layerNormForward(out, mean: &meanF, rstd: &rstdF, x, gamma: gamma, beta: beta, rows: rows, cols: cols, eps: 1e-5) }
            else { Reference.layerNormForward(out, mean: &meanR, rstd: &rstdR, x, gamma: gamma, beta: beta, rows: rows, cols: cols, eps: 1e-5) }
        }
        #expect(relativeError(fwd.fast, fwd.ref) < 1e-5)
        #expect(relativeError(rstdF, rstdR) < 1e-5)
        let dy = randomArray(rows * cols, seed: 25)
        let bwd = twin(dy) { p, fast in
            (fast ? Kernels.layerNormBackward : Reference.layerNormBackward)(p, p, x, meanR, rstdR, gamma, rows, cols)
        }
        #expect(relativeError(bwd.fast, bwd.ref) < 1e-4)
    }

    @Test(arguments: [(1, 2), (4, 3), (9, 17)], [false, true])
    func crossEntropy(shape: (Int, Int), weighted: Bool) {
        let (rows, classes) = shape
        let logits = randomArray(rows * classes, seed: 26, scale: 4)
        let labels = (0..<rows).map { Int32(($0 * 7) % classes) }
        let weights = randomArray(rows, seed: 27).map { abs($0) + 0.1 }
        var dF = [Float](repeating: 0, count: rows * classes), dR = dF
        let w: [Float]? = weighted ? weights : nil
        let lossF = w.withOptionalPointer { Kernels.crossEntropy(logits: logits, labels: labels, weights: $0, rows: rows, classes: classes, dlogits: &dF) }
        let lossR = w.withOptionalPointer { Reference.crossEntropy(logits: logits, labels: labels, weights: $0, rows: rows, classes: classes, dlogits: &dR) }
        #expect(abs(lossF - lossR) <= 1e-5 * max(1, abs(lossR)))
        #expect(relativeError(dF, dR) < 1e-5)
    }

    @Test func crossEntropyKnownValue() {
        // torch.nn.functional.cross_entropy(torch.tensor([[1., 2., 3.]]), torch.tensor([0])) = 2.4076059
        let loss = Kernels.crossEntropy(logits: [1, 2, 3], labels: [0], weights: nil, rows: 1, classes: 3, dlogits: nil)
        #expect(abs(loss - 2.4076059) < 1e-6)
    }

    @Test(arguments: [(1, 1, 3), (2, 5, 4), (3, 9, 33)])
    func embeddingAndMeanPool(dims: (Int, Int, Int)) {
        let (batch, seq, cols) = dims
        let vocab = 11
        let word = randomArray(vocab * cols, seed: 28), pos = randomArray(seq * cols, seed: 29), type = randomArray(2 * cols, seed: 30)
        let ids = (0..<(batch * seq)).map { Int32(($0 * 5 + 3) % vocab) }
        let emb = twin([Float](repeating: 0, count: batch * seq * cols)) { p, fast in
            (fast ? Kernels.embeddingSum : Reference.embeddingSum)(p, ids, word, pos, type, batch, seq, cols)
        }
        #expect(relativeError(emb.fast, emb.ref) < 1e-6)
        // Padding at the tail of every row but the first token.
        let mask = (0..<(batch * seq)).map { Int32(($0 % seq) <= ($0 / seq) + 1 ? 1 : 0) }
        let pool = twin([Float](repeating: 0, count: batch * cols)) { p, fast in
            (fast ? Kernels.meanPoolForward : Reference.meanPoolForward)(p, emb.ref, mask, batch, seq, cols)
        }
        #expect(relativeError(pool.fast, pool.ref) < 1e-5)
        let dy = randomArray(batch * cols, seed: 31)
        let back = twin([Float](repeating: 9, count: batch * seq * cols)) { p, fast in
            (fast ? Kernels.meanPoolBackward : Reference.meanPoolBackward)(p, dy, mask, batch, seq, cols)
        }
        #expect(relativeError(back.fast, back.ref) < 1e-6)
    }

    @Test(arguments: [1, 3, 1000])
    func adamWMatchesReference(step: Int) {
        let n = 257
        let g = randomArray(n, seed: 32), p0 = randomArray(n, seed: 33)
        let m0 = randomArray(n, seed: 34, scale: 0.1), v0 = randomArray(n, seed: 35, scale: 0.01).map { abs($0) }
        var pF = p0, mF = m0, vF = v0, pR = p0, mR = m0, vR = v0
        Kernels.adamW(params: &pF, grads: g, m: &mF, v: &vF, count: n, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: step)
        Reference.adamW(params: &pR, grads: g, m: &mR, v: &vR, count: n, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: step)
        #expect(relativeError(pF, pR) < 1e-5)
        #expect(relativeError(mF, mR) < 1e-5 && relativeError(vF, vR) < 1e-5)
    }
}

extension Optional where Wrapped == [Float] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
