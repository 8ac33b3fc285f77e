import CBFloat16

/// A frozen row table (e.g. word embeddings, vocabulary × hidden) stored in bf16, row-major: half
/// the bytes of fp32. Rows are widened to fp32 when gathered, which is exact, so everything
/// downstream of a lookup stays fp32. Immutable after init; shared read-only by every thread.
package final class BF16Rows: @unchecked Sendable {
    package let rows: Int
    package let cols: Int
    /// bf16 bit patterns (the upper half of the fp32 pattern after rounding), row-major.
    let storage: UnsafeMutablePointer<UInt16>

    /// Rounds `values` (rows × cols, row-major) to bf16, nearest-even.
    package init(_ values: UnsafePointer<Float>, rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative dimension \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        storage = .allocate(capacity: max(rows * cols, 1))
        for i in 0..<(rows * cols) { storage[i] = slbf16_from_float(values[i]) }
    }

    deinit { storage.deallocate() }

    /// Bytes held.
    package var byteCount: Int { rows * cols * 2 }

    /// The exact fp32 value of element (row, col) (not for hot loops).
    package subscript(row: Int, col: Int) -> Float { Float(bitPattern: UInt32(storage[row * cols + col]) << 16) }

    /// out[c] = row[c] + a[c] + b[c] for c < cols: a row widened to fp32 plus two fp32 rows (the
    /// embedding sum's inner loop).
    @inline(__always)
    func widen(_ row: Int, plus a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let src = storage + row * cols
        for c in 0..<cols { out[c] = Float(bitPattern: UInt32(src[c]) << 16) + a[c] + b[c] }
    }

    /// sum[c] += row[c] (fp32 accumulation of a widened row).
    package func accumulate(_ row: Int, into sum: UnsafeMutablePointer<Float>) {
        let src = storage + row * cols
        for c in 0..<cols { sum[c] += Float(bitPattern: UInt32(src[c]) << 16) }
    }
}

extension Kernels {
    /// `embeddingSum` with the word table in bf16: the same sum, each word row widened (exactly)
    /// to fp32 first.
    package static func embeddingSum(
        _ out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, word: BF16Rows,
        position: UnsafePointer<Float>, tokenType: UnsafePointer<Float>, batch: Int, seq: Int, cols: Int
    ) {
        precondition(word.cols == cols, "word table has \(word.cols) columns, not \(cols)")
        for b in 0..<batch {
            for t in 0..<seq {
                word.widen(Int(ids[b * seq + t]), plus: position + t * cols, tokenType, into: out + (b * seq + t) * cols)
            }
        }
    }
}
