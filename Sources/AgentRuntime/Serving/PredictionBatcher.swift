import Threads
import Foundation
import Learner
import Model
import Stream

/// Dynamic batching of predictions across adapters (S-LoRA / Punica style on a CPU): requests
/// for any live adapters queue here, and one dedicated thread — never Swift's cooperative pool —
/// runs them as mixed-adapter forward passes (`BertLoRAModel.predictMixed`: one base GEMM for
/// all rows, each row's own low-rank branch and head).
///
/// The first request of a batch waits at most `maxWait` for companions, and a batch holds at
/// most `maxRows` texts, so an idle server answers one request at once and a busy one shares
/// passes. Each request keeps the `LiveAdapter` it was given, so a swap during the wait never
/// mixes versions: a request is answered wholly by the version it was routed to.
package final class PredictionBatcher: @unchecked Sendable {
    private struct Pending {
        let live: LiveAdapter
        let rows: [[Int32]]
        let done: (Result<[LivePrediction], any Error>) -> Void
        let arrived: DispatchTime
    }

    package let maxRows: Int
    let maxWait: Duration
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopping = false
    /// Passes run and rows predicted (read under the condition's lock).
    private var passes = 0, rowsServed = 0

    /// Starts the batching thread, which keeps the batcher alive until `shutdown()`.
    package init(maxRows: Int = 32, maxWait: Duration = .milliseconds(2)) {
        self.maxRows = max(1, maxRows)
        self.maxWait = maxWait
        let thread = Thread { [self] in loop() }
        thread.name = "streamlora-predict"
        thread.start()
    }

    /// Stops the thread after the queued requests are answered.
    package func shutdown() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    /// Predicts `texts` with `live`, batched with whatever else is queued.
    package func predict(_ live: LiveAdapter, texts: [String]) async throws -> [LivePrediction] {
        try await withCheckedThrowingContinuation { continuation in
            // Tokenizing on the caller's thread keeps the batching thread on BLAS.
            enqueue(live, rows: live.tokens(texts)) { continuation.resume(with: $0) }
        }
    }

    /// Blocking form for callers on their own threads (benchmarks, CLI), on token rows.
    package func predictBlocking(_ live: LiveAdapter, tokens: [[Int32]]) throws -> [LivePrediction] {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Result<[LivePrediction], any Error>?>(nil)
        enqueue(live, rows: tokens) { r in
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    /// (passes, rows) so far: rows / passes is the mean batch size.
    package var counts: (passes: Int, rows: Int) { condition.withLock { (passes, rowsServed) } }

    private func enqueue(_ live: LiveAdapter, rows: [[Int32]], done: @escaping (Result<[LivePrediction], any Error>) -> Void) {
        guard !live.labels.isEmpty, !rows.isEmpty else { return done(.success(rows.map { _ in live.prediction(nil) })) }
        condition.withLock {
            queue.append(Pending(live: live, rows: rows, done: done, arrived: .now()))
            condition.signal()
        }
    }

    private func loop() {
        while let batch = nextBatch() { run(batch) }
    }

    /// Waits for work, then up to `maxWait` past the oldest request's arrival while the batch is
    /// not full; takes whole requests up to `maxRows` texts (at least one request). Nil: stopped
    /// and drained.
    private func nextBatch() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        let deadline = queue[0].arrived.uptimeNanoseconds + UInt64(maxWait.components.attoseconds / 1_000_000_000)
            + UInt64(maxWait.components.seconds) * 1_000_000_000
        while !stopping, queue.reduce(0, { $0 + $1.rows.count }) < maxRows {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { break }
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadline - now) / 1e9))
        }
        var taken = 0, count = 0
        for p in queue {
            if count > 0 && taken + p.rows.count > maxRows { break }
            taken += p.rows.count
            count += 1
        }
        let batch = Array(queue.prefix(count))
        queue.removeFirst(count)
        passes += 1
        rowsServed += taken
        return batch
    }

    /// One mixed-adapter pass for the batch; every request gets its rows or the pass's error.
    private func run(_ batch: [Pending]) {
        var models: [BertLoRAModel] = [], index: [ObjectIdentifier: Int] = [:]
        var rows: [[Int32]] = [], rowAdapters: [Int] = []
        for p in batch {
            let id = ObjectIdentifier(p.live.model)
            let i = index[id] ?? { models.append(p.live.model); index[id] = models.count - 1; return models.count - 1 }()
            rows += p.rows
            rowAdapters += Array(repeating: i, count: p.rows.count)
        }
        let result = Result {
            try BertLoRAModel.predictMixed(try TokenBatch(rows: rows), adapters: models, rowAdapters: rowAdapters)
        }
        var offset = 0
        for p in batch {
            let range = offset..<(offset + p.rows.count)
            offset += p.rows.count
            p.done(result.map { logits in logits[range].map { p.live.prediction(BertLoRAModel.softmax($0)) } })
        }
    }
}
