/// Groups training examples into micro-batches bounded by size and by waiting time.
///
/// A batch is released as soon as it holds `maxSize` examples, or once its *oldest*
/// example has waited `maxWait` — so a trickling stream still trains (and its offsets
/// still become durable) with bounded latency, while a busy stream gets full batches
/// for BLAS efficiency. The batcher never reads a clock: every call takes `now`, which
/// makes it deterministic and testable without sleeping. In the loop, pass
/// `ContinuousClock.now`, and use ``deadline`` as the upper bound of the next poll
/// timeout so a partial batch is released on time even when no message arrives.
///
/// Padding is not done here: the tokenizer pads a released batch to its longest sequence.
package struct MicroBatcher<Element> {
    /// A point in monotonic time.
    package typealias Instant = ContinuousClock.Instant

    /// Maximum number of examples per batch (≥ 1).
    let maxSize: Int
    /// Maximum time the oldest pending example may wait (≥ 0).
    let maxWait: Duration

    private var pending: [Element] = []
    private var oldestArrival: Instant?

    /// - Parameters:
    ///   - maxSize: size bound, ≥ 1 (for replay mixing use ``ReplayMix/freshCapacity``).
    ///   - maxWait: time bound, ≥ 0; zero releases every example on its own.
    init(maxSize: Int, maxWait: Duration) {
        precondition(maxSize >= 1, "maxSize must be >= 1, got \(maxSize)")
        precondition(maxWait >= .zero, "maxWait must be >= 0")
        self.maxSize = maxSize
        self.maxWait = maxWait
        pending.reserveCapacity(maxSize)
    }

    /// Number of examples waiting.
    var pendingCount: Int { pending.count }

    /// When the pending batch must be released, or `nil` when nothing waits.
    var deadline: Instant? {
        oldestArrival.map { $0 + maxWait }
    }

    /// Adds an example that arrived at `now`.
    /// - Returns: a batch to train on when a bound is reached (size first, then time), else `nil`.
    mutating func append(_ element: Element, now: Instant) -> [Element]? {
        if pending.isEmpty { oldestArrival = now }
        pending.append(element)
        if pending.count >= maxSize {
            return take()
        }
        return poll(now: now)
    }

    /// Releases the pending batch if its oldest example has waited at least `maxWait` by `now`.
    mutating func poll(now: Instant) -> [Element]? {
        guard let deadline, now >= deadline else { return nil }
        return take()
    }

    /// Releases whatever is pending regardless of the bounds (partition revoke, shutdown).
    mutating func flush() -> [Element]? {
        pending.isEmpty ? nil : take()
    }

    private mutating func take() -> [Element] {
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        oldestArrival = nil
        return batch
    }
}

extension MicroBatcher: Sendable where Element: Sendable {}
