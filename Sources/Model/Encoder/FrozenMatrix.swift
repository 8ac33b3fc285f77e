import Tensor

/// A frozen weight matrix W (out, in), stored once in the base's precision.
///
/// fp32 keeps PyTorch's row-major layout, multiplied by sgemm exactly as the reference path
/// always did. bf16 keeps only the packing the AVX512-BF16 kernel streams (half the bytes); the
/// same packing serves the forward product x·Wᵀ and the input gradient dy·W (the kernel reads it
/// transposed), so no fp32 copy and no second orientation is kept.
enum FrozenMatrix: Sendable {
    case fp32(Tensor)
    case bf16(PackedBF16Matrix)

    /// Stores `values` (row-major (out, in)) in `precision`.
    /// - Precondition: `values.count == out · in`; for bf16, `BF16Support.available` is not
    ///   needed to pack, only to multiply.
    init(_ values: UnsafePointer<Float>, out: Int, in inF: Int, precision: ComputePrecision) {
        switch precision {
        case .fp32:
            let t = Tensor(shape: [out, inF])
            t.ptr.update(from: values, count: out * inF)
            self = .fp32(t)
        case .bf16:
            self = .bf16(PackedBF16Matrix(forwardOf: values, out: out, in: inF))
        }
    }

    var precision: ComputePrecision {
        switch self {
        case .fp32: .fp32
        case .bf16: .bf16
        }
    }

    /// out × in.
    var count: Int {
        switch self {
        case .fp32(let t): t.count
        case .bf16(let p): p.k * p.n
        }
    }

    /// Bytes held (fp32: 4 per value; bf16: 2 per value plus the panels' padding).
    var byteCount: Int {
        switch self {
        case .fp32(let t): t.count * MemoryLayout<Float>.stride
        case .bf16(let p): p.byteCount
        }
    }

    /// W as fp32 values, row-major (out, in): the tensor itself, or the exact bf16 values widened
    /// (merging and export of a bf16 base).
    func floats() -> Tensor {
        switch self {
        case .fp32(let t):
            return t
        case .bf16(let p):
            return Tensor(shape: [p.n, p.k], values: p.unpack(transposed: true))
        }
    }
}

/// A frozen lookup table (the word embeddings, vocabulary × hidden) in the base's precision:
/// fp32 as loaded, or bf16 rows widened on lookup. It is the largest tensor of a BERT base (30522
/// × 384 = 47 MB in fp32 for MiniLM, half the model), so a bf16 base that kept it in fp32 would
/// not halve the base's memory; the lookup costs the same either way (rows × hidden loads).
package enum FrozenRows: Sendable {
    case fp32(Tensor)
    case bf16(BF16Rows)

    /// Stores `values` (rows × cols, row-major) in `precision`.
    init(_ values: UnsafePointer<Float>, rows: Int, cols: Int, precision: ComputePrecision) {
        switch precision {
        case .fp32:
            let t = Tensor(shape: [rows, cols])
            t.ptr.update(from: values, count: rows * cols)
            self = .fp32(t)
        case .bf16:
            self = .bf16(BF16Rows(values, rows: rows, cols: cols))
        }
    }

    /// rows × cols.
    var count: Int {
        switch self {
        case .fp32(let t): t.count
        case .bf16(let r): r.rows * r.cols
        }
    }

    var byteCount: Int {
        switch self {
        case .fp32(let t): t.count * MemoryLayout<Float>.stride
        case .bf16(let r): r.byteCount
        }
    }

    /// sum[c] += table[row][c] (fp32).
    package func accumulate(_ row: Int, into sum: UnsafeMutablePointer<Float>) {
        switch self {
        case .fp32(let t):
            let src = t.ptr + row * t.shape[1]
            for c in 0..<t.shape[1] { sum[c] += src[c] }
        case .bf16(let r):
            r.accumulate(row, into: sum)
        }
    }

    /// out (B·T, cols) = table[ids] + position[t] + tokenType[0] (see `Kernels.embeddingSum`).
    func embeddingSum(_ out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, position: UnsafePointer<Float>,
                      tokenType: UnsafePointer<Float>, batch: Int, seq: Int, cols: Int) {
        switch self {
        case .fp32(let t):
            Kernels.embeddingSum(out, ids: ids, word: t.ptr, position: position, tokenType: tokenType, batch: batch, seq: seq, cols: cols)
        case .bf16(let r):
            Kernels.embeddingSum(out, ids: ids, word: r, position: position, tokenType: tokenType, batch: batch, seq: seq, cols: cols)
        }
    }
}
