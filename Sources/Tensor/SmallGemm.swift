extension Kernels {
    /// `C = alpha · op(A) · op(B) + beta · C` (row-major, as `gemm`) for the products of one
    /// adapter's low-rank branch over a few rows: (rows × in)·Aᵀ, (rows × r)·Bᵀ and their
    /// backward products, where one dimension is the rank (4–16) and another a few tokens.
    ///
    /// At those sizes a `cblas_sgemm` call costs more in dispatch, packing and edge handling than
    /// in arithmetic, and a cross-adapter step makes dozens of them per adapter. Here each output
    /// row is built in registers, eight columns at a time:
    /// - `op(B)` rows contiguous (no `transB`): `Cᵢ = Σₚ op(A)ᵢₚ · Bₚ`, a combination of B's rows;
    /// - `transB` with a long k: each entry a dot product of two contiguous rows;
    /// - `transB` with a short k (the rank): eight columns of `op(B)` gathered once into k
    ///   registers-worth of lanes, then combined as in the first case.
    /// `transA` with `transB` (no low-rank product needs it) goes to `gemm`. With `beta == 0`,
    /// C is not read (BLAS semantics). Summation order differs from BLAS, so results agree to
    /// rounding (`GemmTests` check both against `Reference.gemm`).
    package static func smallGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        let opA = StridedMatrix(base: a, row: transA ? 1 : lda, column: transA ? lda : 1)
        let out = Output(c: c, ldc: ldc, alpha: alpha, beta: beta)
        switch (transA, transB) {
        case (_, false):
            combineRows(opA, m: m, n: n, k: k, rows: StridedMatrix(base: b, row: ldb, column: 1), out)
        case (false, true) where k >= 32:
            dotRows(a, lda: lda, m: m, n: n, k: k, b: b, ldb: ldb, out)
        case (false, true):
            combineRows(opA, m: m, n: n, k: k, rows: StridedMatrix(base: b, row: 1, column: ldb), out)
        case (true, true):
            gemm(transA: true, transB: true, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc)
        }
    }

    /// A matrix read through element strides (`row` between rows, `column` between columns).
    private struct StridedMatrix {
        let base: UnsafePointer<Float>
        let row: Int
        let column: Int
        @inline(__always) subscript(i: Int, j: Int) -> Float { base[i * row + j * column] }
        /// Eight consecutive columns of row `i` from column `j`.
        @inline(__always) func lanes(_ i: Int, _ j: Int) -> Lanes {
            column == 1 ? Lanes.load(base + i * row + j)
                : Lanes(self[i, j], self[i, j + 1], self[i, j + 2], self[i, j + 3],
                        self[i, j + 4], self[i, j + 5], self[i, j + 6], self[i, j + 7])
        }
    }

    /// Where results go: `C = alpha·acc + beta·C`, C unread when beta is 0.
    private struct Output {
        let c: UnsafeMutablePointer<Float>
        let ldc: Int
        let alpha: Float
        let beta: Float
        @inline(__always) func put(_ acc: Lanes, _ i: Int, _ j: Int) {
            let p = c + i * ldc + j
            Lanes.store(beta == 0 ? alpha * acc : alpha * acc + beta * Lanes.load(p), p)
        }
        @inline(__always) func put(_ acc: Float, _ i: Int, _ j: Int) {
            let p = c + i * ldc + j
            p.pointee = beta == 0 ? alpha * acc : alpha * acc + beta * p.pointee
        }
    }

    /// Cᵢ = Σₚ op(A)ᵢₚ · rowsₚ: eight columns at a time, the k rows' lanes gathered once per
    /// column block (a plain load when they are contiguous) and kept in a small stack buffer.
    private static func combineRows(_ opA: StridedMatrix, m: Int, n: Int, k: Int, rows: StridedMatrix, _ out: Output) {
        withUnsafeTemporaryAllocation(of: Lanes.self, capacity: max(k, 1)) { block in
            var j = 0
            while j + 8 <= n {
                for p in 0..<k { block[p] = rows.lanes(p, j) }
                for i in 0..<m {
                    var acc = Lanes()
                    for p in 0..<k { acc += opA[i, p] * block[p] }
                    out.put(acc, i, j)
                }
                j += 8
            }
            while j < n {
                for i in 0..<m {
                    var acc: Float = 0
                    for p in 0..<k { acc += opA[i, p] * rows[p, j] }
                    out.put(acc, i, j)
                }
                j += 1
            }
        }
    }

    /// C[i, j] = A row i · B row j, both contiguous (A m×k, B n×k), eight products per step.
    private static func dotRows(_ a: UnsafePointer<Float>, lda: Int, m: Int, n: Int, k: Int,
                                b: UnsafePointer<Float>, ldb: Int, _ out: Output) {
        for i in 0..<m {
            let x = a + i * lda
            for j in 0..<n {
                let y = b + j * ldb
                var acc = Lanes(), p = 0
                while p + 8 <= k {
                    acc += Lanes.load(x + p) * Lanes.load(y + p)
                    p += 8
                }
                var s = acc.sum()
                while p < k {
                    s += x[p] * y[p]
                    p += 1
                }
                out.put(s, i, j)
            }
        }
    }
}
