import API
import Foundation
import Learner
import Monitor
import Registry
import Stream

extension AgentControlPlane {
    /// `/metrics`: Prometheus names and units (`_total` counters, `_seconds`/`_bytes`
    /// histograms and gauges), one `adapter` label per adapter family. The families that
    /// `ops/monitoring` uses are checked against a real Prometheus by `PrometheusScrapeTests`.
    package func metrics() async throws -> String {
        var text = PrometheusText()
        let s = agent.status
        try text.gauge("streamlora_build_info", help: "Build and pipeline of this agent (always 1).",
                       labels: ["version": buildVersion, "pipeline": pipelineName,
                                "base_model": agent.runtime.directory.lastPathComponent], value: 1)
        try text.gauge("streamlora_ready", help: "1 when /readyz answers ready: started, a broker reachable, partitions assigned, none paused by an alarm.",
                       value: s.notReadyReasons.isEmpty ? 1 : 0)
        try text.gauge("streamlora_start_time_seconds", help: "Start of this agent process, Unix time in seconds.",
                       value: (Date().timeIntervalSince1970 - s.uptimeSeconds).rounded())
        try text.counter("streamlora_consumed_total", help: "Records consumed from Kafka.", value: Double(s.consumed))
        try appendDeadLetters(s, to: &text)
        try text.gauge("streamlora_partition_alarms", help: "Partitions paused because their log ends before the registry's offsets.",
                       value: Double(s.partitionAlarms.count))
        try text.gauge("streamlora_stalled_partitions", help: "Partitions paused because their dead letter cannot be written.",
                       value: Double(s.stalledPartitions.count))
        try text.counter("streamlora_learner_errors_total", help: "Errors the learner loop survived.", value: Double(s.errors))
        try appendConsumer(s, to: &text)
        for a in s.adapters { try appendAdapter(a, to: &text) }
        try text.gauge("streamlora_resident_adapters", help: "Live versions held in memory (bounded by residency.max_adapters).",
                       value: Double(agent.live.residentCount))
        try text.counter("streamlora_adapter_evictions_total", help: "Live versions evicted by the residency budget.",
                         value: Double(agent.live.evictions))
        try text.counter("streamlora_trainer_loads_total",
                         help: "Trainers loaded from the registry: at start-up within residency.max_adapters, then on demand after an eviction.",
                         value: Double(s.trainerLoads))
        try text.histogram("streamlora_adapter_load_seconds",
                           help: "Time to reload an evicted adapter's live version from the registry (read, verify, build).",
                           agent.live.loadSeconds)
        try agent.drift.appendMetrics(to: &text)
        return text.render()
    }

    /// Dead letters by decoder reason; every reason the decoder knows is exported (0 until it
    /// happens) so a rate alert has a series from the start.
    private func appendDeadLetters(_ s: AgentStatus, to text: inout PrometheusText) throws {
        var byReason = Dictionary(uniqueKeysWithValues: RejectReason.allCases.map { ($0.rawValue, 0) })
        byReason.merge(s.dlqByReason) { _, n in n }
        for (reason, n) in byReason.sorted(by: { $0.key < $1.key }) {
            try text.counter("streamlora_dead_lettered_total",
                             help: "Records the decoder refused and sent to the dead-letter topic, by reason.",
                             labels: ["reason": reason], value: Double(n))
        }
    }

    /// Position, high watermark and lag of every assigned partition.
    private func appendConsumer(_ s: AgentStatus, to text: inout PrometheusText) throws {
        let topic = agent.config.kafka.topic
        for p in s.partitions {
            let l = ["topic": topic, "partition": String(p.partition)]
            if let lag = p.lag {
                try text.gauge("streamlora_consumer_lag", help: "Records in the partition not consumed yet (high watermark - position).",
                               labels: l, value: Double(lag))
            }
        }
        for p in s.partitions {
            let l = ["topic": topic, "partition": String(p.partition)]
            if let position = p.position {
                try text.gauge("streamlora_consumer_position", help: "Next offset the agent reads in the partition.",
                               labels: l, value: Double(position))
            }
        }
        try text.gauge("streamlora_assigned_partitions", help: "Partitions of the topic assigned to this agent.",
                       labels: ["topic": topic], value: Double(s.partitions.count))
    }

    /// The learner's counters, the journal's decisions by cause, snapshot duration and size.
    private func appendAdapter(_ a: AdapterStatus, to text: inout PrometheusText) throws {
        let l = ["adapter": a.name]
        try text.counter("streamlora_examples_total", help: "Examples predicted (prequential).", labels: l, value: Double(a.examplesSeen))
        try text.counter("streamlora_trained_examples_total", help: "Examples trained on.", labels: l, value: Double(a.examplesTrained))
        try text.counter("streamlora_steps_total", help: "Optimizer steps.", labels: l, value: Double(a.steps))
        try text.counter("streamlora_cross_adapter_steps_total", help: "Optimizer steps that shared their forward/backward pass with other adapters' steps.",
                         labels: l, value: Double(a.crossAdapterSteps))
        try text.counter("streamlora_held_out_examples_total", help: "Examples held out (predicted, never trained).",
                         labels: l, value: Double(a.heldOut))
        try text.counter("streamlora_skipped_redeliveries_total", help: "Redelivered records already in the adapter's state.",
                         labels: l, value: Double(a.skippedRedeliveries))
        try text.counter("streamlora_skipped_steps_total", help: "Steps skipped by the non-finite guard.", labels: l, value: Double(a.skippedSteps))
        try text.counter("streamlora_skipped_examples_total",
                         help: "Examples of steps the non-finite guard skipped: consumed, not trained (the manifest's examples_skipped).",
                         labels: l, value: Double(a.examplesSkipped))
        try text.counter("streamlora_snapshots_total", help: "Versions written by this process.", labels: l, value: Double(a.snapshots))
        try text.counter("streamlora_snapshot_failures_total", help: "Snapshots aborted (e.g. an fsync error).",
                         labels: l, value: Double(a.snapshotFailures))
        try text.histogram("streamlora_snapshot_duration_seconds",
                           help: "Time to snapshot: evaluate on the holdout, gate, write durably, swap.", labels: l, a.snapshotSeconds)
        if let size = try? lastVersionBytes(a.name) {
            try text.gauge("streamlora_snapshot_size_bytes", help: "Size on disk of the newest version's files.",
                           labels: l, value: Double(size))
        }
        let counts = (try? journals.counts(adapter: a.name)) ?? [:]
        let decisions: [(family: String, kinds: [String], causes: [String], help: String)] = [
            ("streamlora_promotions_total", ["promote"], ["gate", "manual"],
             "Versions made live, by cause (gate or manual), from the registry journal."),
            ("streamlora_rollbacks_total", ["rollback", "clear_live"], ["manual"] + RollbackDecision.Trigger.allCases.map(\.rawValue),
             "Rollbacks, by cause (manual or the automatic trigger), from the registry journal."),
            ("streamlora_rejections_total", ["reject"], ["gate", "manual"],
             "Versions rejected, by cause (the gate or manual), from the registry journal."),
        ]
        for d in decisions {
            var byCause = Dictionary(uniqueKeysWithValues: d.causes.map { ($0, 0) })
            for kind in d.kinds { byCause.merge(counts[kind] ?? [:], uniquingKeysWith: +) }
            for (cause, n) in byCause.sorted(by: { $0.key < $1.key }) {
                try text.counter(d.family, help: d.help, labels: l.merging(["cause": cause]) { $1 }, value: Double(n))
            }
        }
        if let time = try? lastPromotionTime(a.name) {
            try text.gauge("streamlora_last_promotion_timestamp_seconds", help: "When a version last became live (Unix time).",
                           labels: l, value: time.timeIntervalSince1970.rounded())
        }
        if let v = a.prequential.cumulative.accuracy { try text.gauge("streamlora_prequential_accuracy", help: "Cumulative prequential accuracy.", labels: l, value: v) }
        if let v = a.prequential.windowed.accuracy { try text.gauge("streamlora_prequential_window_accuracy", help: "Windowed prequential accuracy.", labels: l, value: v) }
        if let v = a.prequential.cumulative.logLoss { try text.gauge("streamlora_prequential_log_loss", help: "Cumulative prequential log-loss.", labels: l, value: v) }
        if let v = a.lastTrainLoss { try text.gauge("streamlora_train_loss", help: "Loss of the last training step.", labels: l, value: v) }
        if let v = a.liveVersion.flatMap({ Int($0) }) { try text.gauge("streamlora_live_version", help: "Live version number.", labels: l, value: Double(v)) }
    }

    /// Bytes of the newest version's files.
    private func lastVersionBytes(_ adapter: String) throws -> Int? {
        let registry = try open(adapter)
        guard let newest = try registry.versions().last else { return nil }
        let dir = registry.directory(of: newest.version)
        return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.fileSizeKey])
            .reduce(0) { $0 + ((try $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
    }

    /// The newest promote or rollback entry's time.
    private func lastPromotionTime(_ adapter: String) throws -> Date? {
        try journals.events(adapter: adapter).last { $0.kind == "promote" || $0.kind == "rollback" }?.time
    }
}
