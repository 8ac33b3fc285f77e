/// Token ids of several texts padded to a common length, row-major `[batchSize, sequenceLength]`.
struct EncodedBatch: Sendable, Equatable {
    /// Number of rows (texts).
    let batchSize: Int
    /// Columns: the longest encoded text (after truncation).
    let sequenceLength: Int
    /// `[batchSize, sequenceLength]`, each row `[CLS] … [SEP]` then `[PAD]`s.
    let inputIDs: [Int32]
    /// `[batchSize, sequenceLength]`: 1 for real tokens, 0 for padding.
    let attentionMask: [Int32]
    /// Unpadded length of each row.
    let lengths: [Int]

    /// The ids of row `row` (with padding).
    func row(_ row: Int) -> ArraySlice<Int32> {
        inputIDs[row * sequenceLength..<(row + 1) * sequenceLength]
    }
}

extension WordPieceTokenizer {
    /// Encodes each text (truncated to `maxLength`) and pads with `[PAD]` to the longest,
    /// like the reference called with `padding=True, truncation=True, max_length=maxLength`.
    /// - Precondition: `maxLength >= 2`.
    func encodeBatch(_ texts: [String], maxLength: Int = 128) -> EncodedBatch {
        let rows = texts.map { encode($0, maxLength: maxLength) }
        let width = rows.map(\.count).max() ?? 0
        var ids = [Int32](repeating: padID, count: rows.count * width)
        var mask = [Int32](repeating: 0, count: rows.count * width)
        for (index, row) in rows.enumerated() {
            let base = index * width
            for (column, id) in row.enumerated() {
                ids[base + column] = id
                mask[base + column] = 1
            }
        }
        return EncodedBatch(
            batchSize: rows.count, sequenceLength: width,
            inputIDs: ids, attentionMask: mask, lengths: rows.map(\.count)
        )
    }
}
