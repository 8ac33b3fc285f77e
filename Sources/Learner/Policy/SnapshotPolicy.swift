/// Decides when the trainer's state becomes a snapshot (candidate version).
///
/// A snapshot is due every `everyExamples` trained examples or `everySeconds` of wall
/// time, whichever comes first — but never while nothing new was trained since the last
/// durable snapshot (an idle stream must not fill the registry with identical versions).
/// Snapshots are also what make consumed offsets durable, so the time bound also bounds
/// how much work a crash can cost.
///
/// This is a pure state machine: it never reads a clock and performs no I/O. The loop
/// calls ``recordTrained(_:now:)`` after each train step and ``poll(now:)`` on idle
/// wake-ups; on a trigger it writes the snapshot and reports back with
/// ``snapshotSucceeded(now:)`` or ``snapshotFailed(now:)``.
package struct SnapshotPolicy: Sendable {
    package typealias Instant = ContinuousClock.Instant

    /// Why a snapshot is due.
    package enum Trigger: Sendable, Equatable, CustomStringConvertible {
        /// `count` examples were trained since the last attempt (≥ `everyExamples`).
        case examples(count: Int)
        /// `elapsed` passed since the last attempt with `pending` examples not yet durable.
        case elapsed(Duration, pending: Int)

        package var description: String {
            switch self {
            case .examples(let count):
                return "\(count) examples trained since the last snapshot"
            case .elapsed(let elapsed, let pending):
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                return "\(formatFixed(seconds, 1)) s since the last snapshot, \(pending) examples not yet durable"
            }
        }
    }

    /// Example-count bound (0 disables it).
    let everyExamples: Int
    /// Time bound (`.zero` disables it).
    let every: Duration

    /// Examples trained since the last *durable* snapshot.
    private(set) var pendingExamples = 0
    /// Examples trained since the last snapshot *attempt* (successful or not).
    private(set) var examplesSinceAttempt = 0
    /// When the last attempt (or the start) happened.
    private(set) var lastAttempt: Instant

    /// - Parameters:
    ///   - everyExamples: count bound, ≥ 0 (0 = off).
    ///   - every: time bound, ≥ 0 (`.zero` = off).
    ///   - start: the moment the clock starts (adapter loaded).
    init(everyExamples: Int, every: Duration, start: Instant) {
        precondition(everyExamples >= 0, "everyExamples must be >= 0")
        precondition(every >= .zero, "every must be >= 0")
        self.everyExamples = everyExamples
        self.every = every
        self.lastAttempt = start
    }

    /// Records `count` newly consumed fresh (not replayed) examples: trained, or of a step the
    /// non-finite guard skipped (their offsets need a durable snapshot all the same).
    /// - Returns: a trigger when a snapshot is now due.
    mutating func recordTrained(_ count: Int, now: Instant) -> Trigger? {
        pendingExamples += count
        examplesSinceAttempt += count
        return poll(now: now)
    }

    /// Whether a snapshot is due at `now`.
    package func poll(now: Instant) -> Trigger? {
        guard pendingExamples > 0 else { return nil }
        if everyExamples > 0, examplesSinceAttempt >= everyExamples {
            return .examples(count: examplesSinceAttempt)
        }
        if every > .zero, now - lastAttempt >= every {
            return .elapsed(now - lastAttempt, pending: pendingExamples)
        }
        return nil
    }

    /// When the time bound fires next, or `nil` while nothing is pending (use as a poll timeout bound).
    var deadline: Instant? {
        guard pendingExamples > 0, every > .zero else { return nil }
        return lastAttempt + every
    }

    /// The snapshot is durable: everything trained so far is covered.
    mutating func snapshotSucceeded(now: Instant) {
        pendingExamples = 0
        examplesSinceAttempt = 0
        lastAttempt = now
    }

    /// The snapshot was aborted (e.g. fsync failed): the pending examples stay pending,
    /// and the next attempt waits for a fresh bound instead of retrying in a tight loop.
    mutating func snapshotFailed(now: Instant) {
        examplesSinceAttempt = 0
        lastAttempt = now
    }
}
