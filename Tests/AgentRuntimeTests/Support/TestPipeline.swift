import Foundation

/// Pipeline YAML for agent tests: the tiny model, a temp registry, small batches, frequent
/// snapshots, a permissive gate and, by default, no automatic rollback (so the trained-ids
/// digest of the newest durable version is exactly "every example once").
enum TestPipeline {
    static let topic = "examples"
    static let holdoutShare = 0.05
    static let noRollback = "{enabled: false}"

    /// - Parameters:
    ///   - everySeconds: the snapshot time bound (0: snapshots by example count only).
    ///   - rollback: the `rollback:` section as a YAML flow mapping.
    ///   - drift: the `drift:` section as a YAML flow mapping (`nil`: the defaults).
    ///   - batchSize, replay: `training.batch_size` and `training.replay` (a YAML flow mapping).
    ///   - maxWeight: `training.max_weight` (`nil`: the default).
    ///   - server: the `server:` section as a YAML flow mapping.
    ///   - lostPartitions: `kafka.lost_partitions` (`nil`: the default).
    ///   - gateTolerance: the gate's tolerance (1: every finite candidate is promoted).
    static func yaml(bootstrap: String, group: String, model: URL, registry: URL,
                     holdoutShare: Double = holdoutShare, everyExamples: Int = 100, minHoldout: Int = 1,
                     lr: Double = 0.005, headLR: Double = 0.05, everySeconds: Double = 1,
                     rollback: String = noRollback, drift: String? = nil, batchSize: Int = 8,
                     replay: String = "{capacity: 200, share: 0.25}", maxWeight: Double? = nil,
                     server: String = "{port: 0}", lostPartitions: String? = nil,
                     gateTolerance: Double = 1) -> String {
        """
        name: agent-test
        kafka:
          brokers: ["\(bootstrap)"]
          topic: \(topic)
          group: \(group)\(lostPartitions.map { "\n  lost_partitions: \($0)" } ?? "")
          properties:
            # A killed member blocks the group until its session expires: keep that short, but well
            # above 3 s. librdkafka's mock coordinator answers a group's first JoinGroup after 3 s,
            # while a once-a-second timer expires members whose session has passed; a member it
            # expires with its JoinGroup unanswered waits for that answer for max.poll.interval.ms
            # (300 s), assigned nothing. At 3 s the timer's third tick can run just before the
            # answer; at 6 s only a mock thread stalled for 3 s could expire a joining member.
            session.timeout.ms: "6000"
            heartbeat.interval.ms: "300"
            topic.metadata.refresh.interval.ms: "1000"
            reconnect.backoff.ms: "50"
            reconnect.backoff.max.ms: "500"
            log_level: "3"
        model:
          path: \(model.path)
          max_length: 32
          rank: 4
          alpha: 8
          seed: 7
        training:
          lr: \(lr)
          head_lr: \(headLR)
          warmup_steps: 0
          batch_size: \(batchSize)
          max_wait_ms: 50
          replay: \(replay)\(maxWeight.map { "\n  max_weight: \($0)" } ?? "")
        holdout: {share: \(holdoutShare), buffer: 400}
        metrics: {window: 200}
        snapshot: {every_examples: \(everyExamples), every_seconds: \(everySeconds), keep_last: 20}
        gate: {metric: accuracy, tolerance: \(gateTolerance), min_holdout: \(minHoldout)}
        rollback: \(rollback)
        registry: {path: \(registry.path)}
        server: \(server)
        """ + (drift.map { "\ndrift: \($0)\n" } ?? "")
    }
}
