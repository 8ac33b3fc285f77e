import Foundation

/// A bounded hand-off from the polling thread to an async reader.
/// The writer (a plain thread) blocks while the buffer is full; the reader awaits.
final class EventBuffer<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var waiter: CheckedContinuation<Element?, Never>?
    private var closed = false
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int {
        condition.lock(); defer { condition.unlock() }
        return items.count - head
    }

    /// Appends `element`, waiting while full. Returns false if closed or `shouldGiveUp` says so.
    func push(_ element: Element, shouldGiveUp: () -> Bool) -> Bool {
        condition.lock()
        while items.count - head >= capacity, !closed {
            if shouldGiveUp() { condition.unlock(); return false }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
        guard !closed else { condition.unlock(); return false }
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: element)
            return true
        }
        items.append(element)
        condition.signal()  // wakes a blocking `next(waitingUntil:)` reader
        condition.unlock()
        return true
    }

    /// Takes up to `limit` buffered elements without suspending; empty if none are ready.
    func drain(limit: Int) -> [Element] {
        condition.lock()
        defer { condition.unlock() }
        let n = Swift.min(limit, items.count - head)
        guard n > 0 else { return [] }
        let batch = Array(items[head..<head + n])
        head += n
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        condition.signal()
        return batch
    }

    /// The next elements (at least one, up to `limit`); empty once closed and drained.
    /// Taking a batch per wake-up keeps the hand-off cost off the per-record path.
    func nextBatch(limit: Int) async -> [Element] {
        let ready = drain(limit: limit)
        if !ready.isEmpty { return ready }
        guard let first = await next() else { return [] }
        return [first] + drain(limit: limit - 1)
    }

    /// The next element; nil once closed and drained.
    func next() async -> Element? {
        await withCheckedContinuation { continuation in
            condition.lock()
            if head < items.count {
                let element = take()
                condition.unlock()
                continuation.resume(returning: element)
            } else if closed {
                condition.unlock()
                continuation.resume(returning: nil)
            } else {
                precondition(waiter == nil, "EventBuffer supports one reader at a time")
                waiter = continuation
                condition.unlock()
            }
        }
    }

    /// The next element, waiting on the calling thread until `deadline`: for a reader that
    /// runs its own thread (the learner) and must wake for its own deadlines.
    /// - Returns: `.element`, `.timedOut`, or `.closed` once closed and drained.
    func next(waitingUntil deadline: Date) -> Polled<Element> {
        condition.lock()
        defer { condition.unlock() }
        while head >= items.count {
            if closed { return .closed }
            if !condition.wait(until: deadline) { return head < items.count ? .element(take()) : (closed ? .closed : .timedOut) }
        }
        return .element(take())
    }

    /// Removes the head; the lock is held.
    private func take() -> Element {
        let element = items[head]
        head += 1
        if head >= 1024, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.signal()
        return element
    }

    /// Drops buffered elements matching `predicate` (e.g. records of revoked partitions).
    func removeAll(where predicate: (Element) -> Bool) {
        condition.lock()
        items = Array(items[head...]).filter { !predicate($0) }
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the stream: the reader drains what is buffered, then gets nil.
    func close() {
        condition.lock()
        closed = true
        let waiter = self.waiter
        self.waiter = nil
        condition.broadcast()
        condition.unlock()
        waiter?.resume(returning: nil)
    }
}

/// What a blocking read of an ``EventBuffer`` found.
package enum Polled<Element: Sendable>: Sendable {
    case element(Element)
    case timedOut
    case closed
}
