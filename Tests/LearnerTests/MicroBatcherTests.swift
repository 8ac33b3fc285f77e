import Testing
@testable import Learner

/// All times are derived from one `ContinuousClock.now` plus offsets: nothing sleeps.
@Suite struct MicroBatcherTests {
    let t0 = ContinuousClock.now

    @Test func releasesAtSizeBound() {
        var batcher = MicroBatcher<Int>(maxSize: 3, maxWait: .seconds(10))
        #expect(batcher.append(1, now: t0) == nil)
        #expect(batcher.append(2, now: t0 + .milliseconds(1)) == nil)
        #expect(batcher.append(3, now: t0 + .milliseconds(2)) == [1, 2, 3])
        #expect(batcher.pendingCount == 0)
        #expect(batcher.deadline == nil)
        #expect(batcher.append(4, now: t0 + .milliseconds(3)) == nil)
        #expect(batcher.pendingCount == 1)
    }

    @Test func releasesAtTimeBoundMeasuredFromOldest() {
        var batcher = MicroBatcher<Int>(maxSize: 100, maxWait: .milliseconds(200))
        #expect(batcher.append(1, now: t0) == nil)
        #expect(batcher.deadline == t0 + .milliseconds(200))
        #expect(batcher.append(2, now: t0 + .milliseconds(150)) == nil)
        #expect(batcher.poll(now: t0 + .milliseconds(199)) == nil)
        #expect(batcher.poll(now: t0 + .milliseconds(200)) == [1, 2])
        #expect(batcher.poll(now: t0 + .milliseconds(900)) == nil)
        // The clock restarts with the next example, not at the last release.
        #expect(batcher.append(3, now: t0 + .milliseconds(1_000)) == nil)
        #expect(batcher.deadline == t0 + .milliseconds(1_200))
    }

    @Test func lateArrivalReleasesImmediately() {
        var batcher = MicroBatcher<Int>(maxSize: 100, maxWait: .milliseconds(50))
        _ = batcher.append(1, now: t0)
        // The loop was busy; the next example arrives after the deadline.
        #expect(batcher.append(2, now: t0 + .milliseconds(80)) == [1, 2])
    }

    @Test func zeroWaitReleasesEachExample() {
        var batcher = MicroBatcher<Int>(maxSize: 8, maxWait: .zero)
        #expect(batcher.append(1, now: t0) == [1])
        #expect(batcher.append(2, now: t0) == [2])
    }

    @Test func flushReturnsPartialBatchOnce() {
        var batcher = MicroBatcher<String>(maxSize: 4, maxWait: .seconds(1))
        _ = batcher.append("a", now: t0)
        _ = batcher.append("b", now: t0)
        #expect(batcher.flush() == ["a", "b"])
        #expect(batcher.flush() == nil)
    }

    @Test func batchesNeverExceedSizeOverAStream() {
        var batcher = MicroBatcher<Int>(maxSize: 5, maxWait: .milliseconds(30))
        var released: [[Int]] = []
        for i in 0..<103 {
            // Bursts of 7 every 100 ms.
            let now = t0 + .milliseconds((i / 7) * 100 + i % 7)
            if let batch = batcher.poll(now: now) { released.append(batch) }
            if let batch = batcher.append(i, now: now) { released.append(batch) }
        }
        if let rest = batcher.flush() { released.append(rest) }
        #expect(released.allSatisfy { $0.count <= 5 && !$0.isEmpty })
        #expect(released.flatMap { $0 } == Array(0..<103))
        // Each burst of 7 becomes 5 (size) + 2 (time).
        #expect(released.prefix(4).map(\.count) == [5, 2, 5, 2])
    }
}
