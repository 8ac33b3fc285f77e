import SeededRandom
import Model

/// A uniform sample of everything trained so far (reservoir sampling, Vitter's Algorithm R).
///
/// Mixing a few old examples into each micro-batch limits catastrophic forgetting when
/// the stream's distribution shifts. After `n` offers each offered element is in the
/// reservoir with probability `capacity / n`, independent of arrival order, so old and
/// new examples are equally represented. The generator is seeded, so runs are
/// reproducible. The reservoir is working memory, not state: it is not persisted in
/// snapshots and starts empty after a restart.
struct ReplayReservoir<Element> {
    /// Maximum number of elements kept; `0` disables replay.
    let capacity: Int
    /// How many elements have been offered in total.
    private(set) var seen: UInt64 = 0
    /// The current sample (unordered).
    private(set) var elements: [Element] = []
    private var rng: SplitMix64

    /// - Parameters:
    ///   - capacity: maximum sample size, ≥ 0.
    ///   - seed: seed of the sampling generator.
    init(capacity: Int, seed: UInt64) {
        precondition(capacity >= 0, "reservoir capacity must be >= 0, got \(capacity)")
        self.capacity = capacity
        self.rng = SplitMix64(seed: seed)
        elements.reserveCapacity(capacity)
    }

    /// Number of elements currently held.
    var count: Int { elements.count }

    /// Offers a trained example to the reservoir; it is kept with probability `capacity / seen`.
    mutating func offer(_ element: Element) {
        seen += 1
        guard capacity > 0 else { return }
        if elements.count < capacity {
            elements.append(element)
            return
        }
        let slot = rng.next(below: seen)
        if slot < UInt64(capacity) {
            elements[Int(slot)] = element
        }
    }

    /// Draws up to `count` distinct held elements uniformly at random (partial Fisher–Yates).
    /// - Returns: `min(count, self.count)` elements; the reservoir is unchanged.
    mutating func draw(_ count: Int) -> [Element] {
        let k = min(max(count, 0), elements.count)
        guard k > 0 else { return [] }
        var indices = Array(elements.indices)
        var result: [Element] = []
        result.reserveCapacity(k)
        for i in 0..<k {
            let j = i + Int(rng.next(below: UInt64(indices.count - i)))
            indices.swapAt(i, j)
            result.append(elements[indices[i]])
        }
        return result
    }

    /// Keeps a uniformly drawn `fraction` of the sample and restarts the count, so the examples
    /// offered next fill the reservoir (and stay in it) preferentially: after a concept drift
    /// the sample shifts to the new concept within `capacity` offers instead of `seen`.
    mutating func keep(fraction: Double) {
        let k = Int((Double(elements.count) * min(max(fraction, 0), 1)).rounded())
        elements = draw(k)
        seen = UInt64(elements.count)
    }

    /// Forgets the sample (e.g. after a rollback to an older version); the generator keeps its state.
    mutating func removeAll() {
        elements.removeAll(keepingCapacity: true)
        seen = 0
    }
}

extension ReplayReservoir: Sendable where Element: Sendable {}

/// How a micro-batch is split between fresh stream examples and replayed ones.
///
/// With `batchSize` B and `share` s, the batcher collects up to `freshCapacity` =
/// B − ⌊B·s⌋ fresh examples, and ``replayCount(fresh:available:)`` tops the batch up
/// so that replay is ≈ s of it: a full batch is exactly B long; a partial batch (flushed
/// by the wait-time bound) gets proportionally fewer replayed examples.
package struct ReplayMix: Sendable, Equatable {
    /// Total batch size B (fresh + replay).
    let batchSize: Int
    /// Target replay fraction of a batch, in `[0, 1)`.
    let share: Double

    /// - Precondition: `batchSize >= 1`, `0 <= share < 1`.
    init(batchSize: Int, share: Double) {
        precondition(batchSize >= 1, "batch size must be >= 1")
        precondition(share >= 0 && share < 1, "replay share must be in [0, 1)")
        self.batchSize = batchSize
        self.share = share
    }

    /// Maximum number of fresh examples per batch (the ``MicroBatcher``'s size bound); at least 1.
    package var freshCapacity: Int {
        max(1, batchSize - Int((Double(batchSize) * share).rounded(.down)))
    }

    /// Number of replayed examples to add to a batch with `fresh` fresh examples.
    /// - Parameters:
    ///   - fresh: fresh examples in the batch.
    ///   - available: examples currently in the reservoir.
    /// - Returns: `round(fresh · s / (1 − s))`, capped by `available` and by `batchSize − fresh`.
    func replayCount(fresh: Int, available: Int) -> Int {
        guard share > 0, fresh > 0 else { return 0 }
        let wanted = Int((Double(fresh) * share / (1 - share)).rounded())
        return max(0, min(wanted, available, batchSize - fresh))
    }
}
