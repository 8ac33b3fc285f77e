import Threads
import Foundation

/// Produces records at an optional rate, counting every delivery report.
package final class Feeder: @unchecked Sendable {
    /// Totals so far; `sent == acknowledged + failed + inFlight`.
    package struct Progress: Sendable, Equatable, Codable {
        package var sent = 0
        package var acknowledged = 0
        package var failed = 0
        /// Input rows that could not be normalized (never sent).
        package var invalid = 0
        package var firstError: String?
        init() {}
        var inFlight: Int { sent - acknowledged - failed }
    }

    package let producer: KafkaProducer
    package let topic: String
    /// Records per second, or nil for as fast as the producer takes them.
    package let rate: Double?
    private let progressBox = Locked(Progress())

    package init(producer: KafkaProducer, topic: String, rate: Double? = nil) {
        self.producer = producer
        self.topic = topic
        self.rate = rate
    }

    package var progress: Progress { progressBox.withLock { $0 } }

    /// Notes an input row that could not be normalized.
    package func invalid(_ reason: String) {
        progressBox.withLock { p in
            p.invalid += 1
            if p.firstError == nil { p.firstError = reason }
        }
    }

    /// Sends one record, pacing to `rate`; returns once it is queued (not yet acknowledged).
    package func send(key: String?, value: [UInt8], started: Date) async {
        let wait = pacing(started: started)
        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
        enqueue(key: key, value: value)
    }

    /// `send` for a plain thread (streaming input): paces with a blocking sleep.
    package func sendBlocking(key: String?, value: [UInt8], started: Date) {
        let wait = pacing(started: started)
        if wait > 0 { usleep(UInt32(min(wait, 60) * 1e6)) }
        enqueue(key: key, value: value)
    }

    /// Seconds to wait before the next record so that `rate` records per second leave from `started`.
    private func pacing(started: Date) -> TimeInterval {
        guard let rate, rate > 0 else { return 0 }
        return started.addingTimeInterval(Double(progressBox.withLock { $0.sent }) / rate).timeIntervalSinceNow
    }

    /// Queues the record and counts its delivery report.
    private func enqueue(key: String?, value: [UInt8]) {
        progressBox.withLock { $0.sent += 1 }
        let record = ProducerRecord(topic: topic, key: key.map { Array($0.utf8) }, value: value)
        producer.send(record) { [progressBox] result in
            progressBox.withLock { p in
                switch result {
                case .success: p.acknowledged += 1
                case .failure(let error):
                    p.failed += 1
                    if p.firstError == nil { p.firstError = "\(error)" }
                }
            }
        }
    }

    /// Waits until every sent record has its delivery report (bounded by `timeout` seconds).
    /// Watches the report counters rather than calling `rd_kafka_flush`, which competes
    /// with the producer's own poll thread and can add a poll interval of delay.
    package func finish(timeout: Double = 60) async -> Progress {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while progress.inFlight > 0, Date() < deadline { try? await Task.sleep(nanoseconds: 5_000_000) }
        return progress
    }
}
