/// A shard's examples as raw pointers, row-major (batch, seq): how a shard sees its rows
/// without copying (valid only inside `ShardPlan.withSlices`).
struct BatchSlice {
    let ids: UnsafePointer<Int32>
    let mask: UnsafePointer<Int32>
    let batch: Int
    let seq: Int
}

/// How a batch is split into shards that run concurrently, one per worker thread.
///
/// Rows are ordered by length and cut into contiguous groups that balance the padded tokens
/// each shard computes (rows × its longest row), and every shard is re-padded to its own
/// longest row. Short examples then stop paying for a long one in another shard, and no
/// shard carries padding past its longest real token: on short texts (the Debian stream
/// pads ~12 real tokens to ~20) this removes a fifth of the encoder's work. Examples never
/// interact in the encoder, so results only need mapping back through `rows`.
struct ShardPlan {
    struct Shard {
        /// The batch rows this shard computes, in shard order.
        let rows: [Int]
        /// Its longest row (padded length of the shard).
        let seq: Int
        /// Where its (rows.count, seq) ids and mask start in the plan's storage.
        let offset: Int
    }

    let shards: [Shard]
    /// Rows of the whole batch.
    let batch: Int
    private let ids: [Int32]
    private let mask: [Int32]

    /// - Parameters:
    ///   - count: shards wanted, in 1...batch. One shard keeps the batch's row order.
    ///   - groupedBy: a key per row (its adapter in a mixed batch); rows inside a shard are then
    ///     ordered by key, so each key's rows are contiguous (one low-rank GEMM per adapter).
    init(_ batch: TokenBatch, count: Int, groupedBy key: [Int]? = nil) {
        let B = batch.batch, T = batch.seq
        // A row's length reaches its last unmasked position, so any mask pattern survives the trim.
        let lengths = (0..<B).map { b in
            max(1, (0..<T).last { batch.mask[b * T + $0] != 0 }.map { $0 + 1 } ?? 1)
        }
        let groups: [[Int]]
        if count <= 1 {
            groups = [Array(0..<B)]
        } else {
            let order = (0..<B).sorted { (lengths[$0], $0) < (lengths[$1], $1) }
            groups = Self.balancedCuts(order.map { lengths[$0] }, parts: min(count, B)).map { Array(order[$0]) }
        }
        var ids: [Int32] = [], mask: [Int32] = [], shards: [Shard] = []
        for group in groups {
            let rows = key.map { k in group.enumerated().sorted { (k[$0.element], $0.offset) < (k[$1.element], $1.offset) }.map(\.element) }
                ?? group
            let seq = rows.map { lengths[$0] }.max()!
            shards.append(Shard(rows: rows, seq: seq, offset: ids.count))
            for b in rows {
                ids += batch.ids[(b * T)..<(b * T + seq)]
                mask += batch.mask[(b * T)..<(b * T + seq)]
            }
        }
        self.shards = shards
        self.batch = B
        self.ids = ids
        self.mask = mask
    }

    /// Cuts ascending `lengths` into `parts` non-empty contiguous ranges minimizing the largest
    /// range cost, cost = rows × longest (the last, as lengths ascend). Exact, by dynamic
    /// programming over cut points (batches are small).
    static func balancedCuts(_ lengths: [Int], parts: Int) -> [Range<Int>] {
        let n = lengths.count
        func cost(_ i: Int, _ j: Int) -> Int { (j - i) * lengths[j - 1] }
        // best[p][j]: the smallest largest cost of splitting the first j rows into p ranges.
        var best = [[Int]](repeating: [Int](repeating: .max, count: n + 1), count: parts + 1)
        var cut = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: parts + 1)
        for j in 1...n { best[1][j] = cost(0, j) }
        if parts > 1 {
            for p in 2...parts {
                for j in p...n {
                    for i in (p - 1)..<j where best[p - 1][i] != .max {
                        let c = max(best[p - 1][i], cost(i, j))
                        if c < best[p][j] { best[p][j] = c; cut[p][j] = i }
                    }
                }
            }
        }
        var ranges: [Range<Int>] = [], j = n
        for p in stride(from: parts, to: 1, by: -1) {
            let i = cut[p][j]
            ranges.append(i..<j)
            j = i
        }
        ranges.append(0..<j)
        return ranges.reversed()
    }

    /// The largest shard's needs: rows, token rows (rows × seq) and attention entries per head
    /// (rows × seq²), to size workspaces.
    var needs: WorkspaceNeeds {
        WorkspaceNeeds(batch: shards.map(\.rows.count).max() ?? 0,
                       tokens: shards.map { $0.rows.count * $0.seq }.max() ?? 0,
                       attention: shards.map { $0.rows.count * $0.seq * $0.seq }.max() ?? 0)
    }

    /// Calls `body` with one slice per shard.
    func withSlices<R>(_ body: ([BatchSlice]) throws -> R) rethrows -> R {
        try ids.withUnsafeBufferPointer { idp in
            try mask.withUnsafeBufferPointer { mp in
                try body(shards.map {
                    BatchSlice(ids: idp.baseAddress! + $0.offset, mask: mp.baseAddress! + $0.offset,
                               batch: $0.rows.count, seq: $0.seq)
                })
            }
        }
    }

    /// Rows collected shard by shard, put back in batch order.
    func inBatchOrder<Row>(_ perShard: [[Row]]) -> [Row] {
        var out = [Row?](repeating: nil, count: batch)
        for (shard, rows) in zip(shards, perShard) {
            for (row, value) in zip(shard.rows, rows) { out[row] = value }
        }
        return out.map { $0! }
    }
}

/// What a shard's workspace must hold: examples, token rows, and attention entries per head.
struct WorkspaceNeeds: Equatable {
    var batch: Int
    var tokens: Int
    var attention: Int
}
