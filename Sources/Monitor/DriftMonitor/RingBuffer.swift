/// Fixed-capacity FIFO that hands back the element it evicts, so window counts update in O(1).
struct RingBuffer<Element: Sendable>: Sendable {
    let capacity: Int
    private var storage: [Element] = []
    private var head = 0

    init(capacity: Int) {
        precondition(capacity >= 1, "RingBuffer capacity must be >= 1")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    var count: Int { storage.count }

    /// Appends `x`; returns the oldest element when the buffer was full.
    mutating func append(_ x: Element) -> Element? {
        if storage.count < capacity {
            storage.append(x)
            return nil
        }
        let evicted = storage[head]
        storage[head] = x
        head = (head + 1) % capacity
        return evicted
    }

    /// Elements oldest first.
    var elements: [Element] {
        Array(storage[head...]) + Array(storage[..<head])
    }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }
}
