import Threads
import Foundation
import Learner
import Logging
import Stream

/// Rebalance notices from the consumer's poll thread to the learner thread (DESIGN §9).
///
/// librdkafka runs the rebalance callback inside the poll thread's `poll`, but every adapter
/// lives on the learner thread. On a revocation the poll thread posts a notice and waits,
/// bounded, until the learner has snapshotted the adapters holding un-snapshotted work of those
/// partitions and committed their offsets: Kafka accepts commits for revoked partitions only
/// while the callback runs, and the next owner starts where the manifests say. On an
/// assignment it posts a notice without waiting; the learner serves notices before it handles
/// any event, and the new partitions' records are fetched only after the callback returns, so
/// it reconciles its adapters with the shared registry before it sees one of those records.
///
/// The wait is bounded because manifests are the truth: when it ends early the partitions are
/// released without a handover snapshot and the next owner redoes the work from the newest
/// durable manifest (correct, only wasteful).
final class RebalanceHandoff: @unchecked Sendable {
    enum Notice {
        /// Newly assigned partition numbers of the pipeline's topic, and where the registry's
        /// manifests had them start (partitions no manifest knows are absent).
        case assigned([Int32], recorded: [TopicPartition: Int64])
        /// Partitions being handed over; the poll thread waits for the learner.
        case revoked(Revocation)
        /// Partitions taken away without a handover (session timeout): nothing of them may be
        /// committed, and work on them not yet durable belongs to the next owner.
        case lost([Int32])
    }

    /// One revocation the poll thread waits for.
    final class Revocation: @unchecked Sendable {
        enum Phase: Equatable {
            case waiting, working, finished, abandoned
        }

        let partitions: [TopicPartition]
        private let phase = Locked(Phase.waiting)
        private let done = DispatchSemaphore(value: 0)

        init(_ partitions: [TopicPartition]) { self.partitions = partitions }

        /// Learner: takes the revocation on.
        /// - Returns: false when the poll thread stopped waiting: the partitions are already
        ///   released, so the learner must treat them as lost.
        func claim() -> Bool {
            phase.withLock { phase in
                guard phase == .waiting else { return false }
                phase = .working
                return true
            }
        }

        /// Learner: the handover snapshot and commit are done (or failed and were logged).
        func finish() {
            phase.withLock { $0 = .finished }
            done.signal()
        }

        /// Poll thread: waits until the learner finished, or `timeout` passed.
        /// - Returns: `.finished`; else `.working` (the learner is still at it and will find its
        ///   commit refused) or `.abandoned` (the learner had not started; it never will).
        func wait(timeout: DispatchTimeInterval) -> Phase {
            if done.wait(timeout: .now() + timeout) == .success { return .finished }
            return phase.withLock { phase in
                if phase == .waiting { phase = .abandoned }
                return phase
            }
        }
    }

    private struct State {
        /// Whether the learner serves notices (between `open()` and `close()`).
        var open = false
        var notices: [Notice] = []
    }

    private let state = Locked(State())

    /// The learner starts serving notices.
    func open() { state.withLock { $0.open = true } }

    /// The learner stops serving notices (shutdown); later posts are refused, so no one waits
    /// for it any more.
    /// - Returns: the notices posted before, which the learner still serves.
    func close() -> [Notice] {
        state.withLock { state in
            state.open = false
            defer { state.notices.removeAll() }
            return state.notices
        }
    }

    /// Learner: the notices posted since the last call, oldest first.
    func take() -> [Notice] {
        state.withLock { state in
            guard !state.notices.isEmpty else { return [] }
            defer { state.notices.removeAll() }
            return state.notices
        }
    }

    /// Posts `notice` unless the learner is not serving.
    /// - Returns: whether it was posted.
    @discardableResult
    func post(_ notice: Notice) -> Bool {
        state.withLock { state in
            guard state.open else { return false }
            state.notices.append(notice)
            return true
        }
    }

    /// Poll thread, inside the revoke callback: hands the revocation of `partitions` to the
    /// learner and waits up to `timeout` for its snapshot and commit. A lost assignment is
    /// posted without waiting (its offsets may not be committed any more).
    func revoke(_ partitions: [TopicPartition], lost: Bool, timeout: DispatchTimeInterval, logger: Logger) {
        guard !partitions.isEmpty else { return }
        if lost {
            post(.lost(partitions.map(\.partition)))
            return
        }
        let revocation = Revocation(partitions)
        // Not serving: the learner is stopping, and its shutdown snapshots and commits everything.
        guard post(.revoked(revocation)) else { return }
        let outcome: String
        switch revocation.wait(timeout: timeout) {
        case .finished:
            return
        case .working:
            outcome = "the handover snapshot is still running (its commit will be refused)"
        case .waiting, .abandoned:
            outcome = "the learner did not take it up in time (no handover snapshot)"
        }
        logger.warning("revoke of \(partitions.sorted()): \(outcome); releasing the partitions, the next owner resumes from the newest durable manifest")
    }
}
