/// A contiguous range of a `TokenBatch`'s rows as raw pointers: how a shard sees its examples
/// without copying (valid only inside the `TokenBatch`'s buffer scope).
struct BatchSlice {
    let ids: UnsafePointer<Int32>
    let mask: UnsafePointer<Int32>
    let batch: Int
    let seq: Int
}

/// The shards of a batch: slice `s` covers rows [B·s/S, B·(s+1)/S). A value type, so a training
/// step builds no arrays for it.
struct BatchShards {
    let ids: UnsafePointer<Int32>
    let mask: UnsafePointer<Int32>
    let batch: Int
    let seq: Int
    let count: Int

    subscript(s: Int) -> BatchSlice {
        let lo = batch * s / count, hi = batch * (s + 1) / count
        return BatchSlice(ids: ids + lo * seq, mask: mask + lo * seq, batch: hi - lo, seq: seq)
    }
}

extension TokenBatch {
    /// Calls `body` with the batch split into `shards` slices.
    func withSlices<R>(_ shards: Int, _ body: (BatchShards) throws -> R) rethrows -> R {
        try ids.withUnsafeBufferPointer { idp in
            try mask.withUnsafeBufferPointer { mp in
                try body(BatchShards(ids: idp.baseAddress!, mask: mp.baseAddress!, batch: batch, seq: seq, count: shards))
            }
        }
    }
}
