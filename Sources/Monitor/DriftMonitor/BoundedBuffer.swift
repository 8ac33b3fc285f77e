/// A fixed-capacity FIFO that keeps the most recent `capacity` elements.
///
/// The Learner uses it as the holdout buffer (the gate evaluates candidates and the live version on
/// the last N holdout examples) and as the window of windowed metrics. Appending is
/// O(1) and never allocates after the buffer has filled once. It lives in Monitor, the lowest
/// module that needs it, and also backs the drift monitor's sliding current windows, where the
/// evicted element lets window counts update in O(1).
package struct BoundedBuffer<Element> {
    /// Maximum number of elements kept.
    package let capacity: Int
    private var storage: [Element] = []
    /// Index of the oldest element once the buffer is full.
    private var head = 0

    /// - Parameter capacity: at least 1.
    package init(capacity: Int) {
        precondition(capacity >= 1, "BoundedBuffer capacity must be >= 1, got \(capacity)")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    /// Number of elements currently held (≤ ``capacity``).
    package var count: Int { storage.count }
    /// Whether nothing is held.
    package var isEmpty: Bool { storage.isEmpty }
    /// Whether the next append evicts the oldest element.
    var isFull: Bool { storage.count == capacity }

    /// Appends `element`, evicting and returning the oldest one when full.
    @discardableResult
    package mutating func append(_ element: Element) -> Element? {
        if storage.count < capacity {
            storage.append(element)
            return nil
        }
        let evicted = storage[head]
        storage[head] = element
        head = (head + 1) % capacity
        return evicted
    }

    /// The held elements, oldest first.
    package var elements: [Element] {
        Array(storage[head...] + storage[..<head])
    }

    /// Removes everything (capacity is kept).
    package mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }
}

extension BoundedBuffer: Sendable where Element: Sendable {}
