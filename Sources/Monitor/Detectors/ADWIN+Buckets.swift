/// One row of ADWIN's exponential histogram: summaries (sum, variance) of `2^level` values each,
/// oldest first.
struct BucketRow: Sendable {
    var totals: [Double]
    var variances: [Double]
    var count = 0

    init(capacity: Int) {
        totals = Array(repeating: 0, count: capacity)
        variances = Array(repeating: 0, count: capacity)
    }

    mutating func append(total: Double, variance: Double) {
        totals[count] = total
        variances[count] = variance
        count += 1
    }

    /// Drops the `n` oldest summaries, shifting the rest to the front and zeroing the tail.
    mutating func dropOldest(_ n: Int) {
        let remaining = count - n
        for i in 0..<remaining {
            totals[i] = totals[i + n]
            variances[i] = variances[i + n]
        }
        for i in remaining..<count {
            totals[i] = 0
            variances[i] = 0
        }
        count = remaining
    }
}

extension ADWIN {
    /// Adds one value as a new level-0 bucket, updating width, total and variance in River's
    /// exact operation order, then merges overflowing rows.
    mutating func insert(_ value: Double) {
        rows[0].append(total: value, variance: 0)
        windowWidth += 1
        var increment = 0.0
        if windowWidth > 1 {
            let gap = value - total / (windowWidth - 1)
            increment = (windowWidth - 1) * gap * gap / windowWidth
        }
        variance += increment
        total += value
        compressRows()
    }

    /// While a row holds `maxBuckets + 1` summaries, merges its two oldest into one summary of
    /// the next row (twice the size), combining variances with the parallel-variance formula.
    mutating func compressRows() {
        var level = 0
        while rows[level].count == maxBuckets + 1 {
            let size = Double(1 << level)
            let t0 = rows[level].totals[0], t1 = rows[level].totals[1]
            let v0 = rows[level].variances[0], v1 = rows[level].variances[1]
            let mu0 = t0 / size
            let mu1 = t1 / size
            let mergedVariance = v0 + v1 + size * 0.5 * (mu0 - mu1) * (mu0 - mu1)
            if level + 1 >= rows.count { rows.append(BucketRow(capacity: maxBuckets + 1)) }
            rows[level + 1].append(total: t0 + t1, variance: mergedVariance)
            rows[level].dropOldest(2)
            if rows[level + 1].count <= maxBuckets { break }
            level += 1
        }
    }

    /// Removes the oldest bucket (first summary of the highest row) from the window statistics.
    mutating func deleteOldestBucket() {
        let last = rows.count - 1
        let size = Double(1 << last)
        let u = rows[last].totals[0], v = rows[last].variances[0]
        let mu = u / size
        windowWidth -= size
        total -= u
        let muWindow = total / windowWidth
        let gap: Double = mu - muWindow
        let spread: Double = size * windowWidth * gap * gap / (size + windowWidth)
        variance -= v + spread
        rows[last].dropOldest(1)
        if rows[last].count == 0 { rows.removeLast() }
        // River would index an empty list on the next insert; keep a level-0 row instead.
        if rows.isEmpty { rows.append(BucketRow(capacity: maxBuckets + 1)) }
    }
}
