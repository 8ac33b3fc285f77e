import Threads
import Crdkafka
import Foundation

/// A partition waiting for its poison record's dead letter to be acknowledged.
struct Stall {
    let message: KafkaMessage
    let rejection: Rejection
    var attempts = 0
    var inFlight = false
    var retryAt = Date.distantPast
    var paused = false
    /// Size the dead letter is cut to; nil: the producer's `message.max.bytes`.
    var limit: Int?
    /// The last delivery error, for `/readyz` and the logs.
    var lastError: String?
}

/// Hands one delivery result to a waiting thread, or to the inbox once it stopped waiting.
private final class DeliveryHandoff: @unchecked Sendable {
    struct State {
        var waiting = true
        var result: Result<DeliveryReport, KafkaError>?
    }
    let state = Locked(State())
    let ready = DispatchSemaphore(value: 0)
}

extension IngestPipeline {
    /// The polling thread's body: poll, decode, route; serve DLQ results and retries.
    func run() {
        let decoder = configuration.decoder
        while running.withLock({ $0 }) {
            serveDeadLetterResults()
            retryDueDeadLetters()
            guard let event = consumer.poll(timeoutMs: stalls.isEmpty ? 100 : 20) else { continue }
            switch event {
            case .error(let error):
                statsBox.withLock { $0.consumerErrors += 1 }
                logger.debug("consumer: \(error)")
            case .message(let message):
                let tp = message.topicPartition
                // Records behind a stalled poison are refetched after it is acknowledged.
                if stalls[tp] != nil { continue }
                switch decoder.decode(message) {
                case .success(let example):
                    statsBox.withLock { $0.consumed += 1; $0.examples += 1 }
                    _ = buffer.push(.example(example, RecordOrigin(message, generation: consumer.generation(of: tp)))) { !running.withLock { $0 } }
                case .failure(let rejection):
                    statsBox.withLock { $0.consumed += 1; $0.rejections[rejection.reason, default: 0] += 1 }
                    logger.info("refused \(tp)@\(message.offset): \(rejection)")
                    stalls[tp] = Stall(message: message, rejection: rejection)
                    // Fast path: a healthy DLQ acknowledges within milliseconds, so wait briefly
                    // (later records of this partition are not polled meanwhile). Otherwise
                    // pause the partition and let the result arrive through the inbox.
                    if let result = sendDeadLetter(tp, waitMs: configuration.deadLetterWaitMs) {
                        deadLetterResult(tp, message.offset, result)
                    } else {
                        pauseStalled(tp)
                    }
                }
            }
        }
        consumer.close()
        stalls.removeAll()
    }

    /// Runs on the polling thread (inside poll or close) before the user's revoke hook.
    func partitionsRevoked(_ partitions: [TopicPartition]) {
        let revoked = Set(partitions)
        buffer.removeAll { revoked.contains($0.origin.topicPartition) }
        for tp in partitions { stalls[tp] = nil }
        publishStalls()
    }

    /// Sends the stalled record's dead letter; returns its result if it arrives within `waitMs`.
    @discardableResult
    private func sendDeadLetter(_ tp: TopicPartition, waitMs: Int = 0) -> Result<DeliveryReport, KafkaError>? {
        guard var stall = stalls[tp] else { return nil }
        stall.inFlight = true
        stalls[tp] = stall
        let offset = stall.message.offset
        let handoff = DeliveryHandoff()
        if waitMs <= 0 { handoff.state.withLock { $0.waiting = false } }
        deadLetters.write(stall.message, rejection: stall.rejection, limit: stall.limit) { [inbox] result in
            let handed = handoff.state.withLock { state -> Bool in
                guard state.waiting else { return false }
                state.result = result
                return true
            }
            if handed { handoff.ready.signal() } else { inbox.withLock { $0.append((tp, offset, result)) } }
        }
        guard waitMs > 0 else { return nil }
        _ = handoff.ready.wait(timeout: .now() + .milliseconds(waitMs))
        return handoff.state.withLock { state in
            state.waiting = false
            return state.result
        }
    }

    private func pauseStalled(_ tp: TopicPartition) {
        guard var stall = stalls[tp], !stall.paused else { return }
        do { try consumer.pause([tp]) } catch { logger.error("\(error)") }
        stall.paused = true
        stalls[tp] = stall
    }

    private func serveDeadLetterResults() {
        let results = inbox.withLock { inbox -> [(TopicPartition, Int64, Result<DeliveryReport, KafkaError>)] in
            defer { inbox.removeAll() }
            return inbox
        }
        for (tp, offset, result) in results { deadLetterResult(tp, offset, result) }
    }

    private func deadLetterResult(_ tp: TopicPartition, _ offset: Int64, _ result: Result<DeliveryReport, KafkaError>) {
        guard var stall = stalls[tp], stall.message.offset == offset else { return }
        // Revoked meanwhile: the next owner re-reads (and re-dead-letters) the record.
        guard consumer.owns(tp) else { stalls[tp] = nil; return }
        switch result {
        case .success:
            stalls[tp] = nil
            publishStalls()
            statsBox.withLock { $0.deadLettered += 1 }
            _ = buffer.push(.deadLettered(stall.rejection, RecordOrigin(stall.message, generation: consumer.generation(of: tp)))) { !running.withLock { $0 } }
            guard stall.paused else { return }
            do {
                try consumer.resume([tp])
                try consumer.seek([tp: offset + 1])
            } catch {
                logger.error("resuming \(tp) after dead letter: \(error)")
            }
        case .failure(let error):
            pauseStalled(tp)
            stall = stalls[tp] ?? stall
            stall.attempts += 1
            stall.inFlight = false
            stall.lastError = "\(error)"
            statsBox.withLock { $0.deadLetterFailures += 1 }
            let current = stall.limit ?? deadLetters.maxRecordBytes
            if error.code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue, current > DeadLetterWriter.minimumLimit {
                // Too large for the producer or the broker: cut it to half and send again now.
                let size = DeadLetterWriter.size(of: deadLetters.record(for: stall.message, rejection: stall.rejection, limit: current))
                stall.limit = Swift.max(DeadLetterWriter.minimumLimit, Swift.min(current, size) / 2)
                stall.retryAt = .distantPast
                stalls[tp] = stall
                logger.warning("dead letter for \(tp)@\(offset) is too large (\(size) bytes): retrying cut to \(stall.limit ?? 0) bytes")
                publishStalls()
                return
            }
            let backoff = Swift.min(configuration.retryBackoff.max,
                              configuration.retryBackoff.initial * pow(2, Double(stall.attempts - 1)))
            stall.retryAt = Date(timeIntervalSinceNow: backoff)
            stalls[tp] = stall
            publishStalls()
            logger.error("dead letter for \(tp)@\(offset) failed (attempt \(stall.attempts)); partition paused, retry in \(backoff)s: \(error)")
        }
    }

    /// Publishes the partitions held back by a dead letter that failed at least once.
    private func publishStalls() {
        let stalled = stalls.filter { $0.value.attempts > 0 }.mapValues { stall in
            "dead letter of offset \(stall.message.offset) not written after \(stall.attempts) attempts: \(stall.lastError ?? "")"
        }
        statsBox.withLock { $0.stalled = stalled }
    }

    private func retryDueDeadLetters() {
        let now = Date()
        for (tp, stall) in stalls where !stall.inFlight && stall.retryAt <= now {
            sendDeadLetter(tp)
        }
    }
}
