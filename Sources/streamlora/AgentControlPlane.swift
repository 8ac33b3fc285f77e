import Foundation
import Learner
import Logging
import Monitor
import Registry
import Server
import ServiceLifecycle

/// Serves `/healthz`, `/metrics`, `/v1/…` and the dashboard for a running agent on
/// `port` (negative: no HTTP). The bearer token for mutations is read from the
/// environment variable the pipeline names (`server.token_env`).
func startHTTP(agent: Agent, config: PipelineConfig, port: Int, logger: Logger) -> HTTPService? {
    guard port >= 0 else { return nil }
    let token = ProcessInfo.processInfo.environment[config.server.tokenEnv].flatMap { $0.isEmpty ? nil : $0 }
    if token == nil {
        logger.notice("HTTP promote/rollback are disabled: set \(config.server.tokenEnv) to a bearer token to enable them")
    }
    let app = makeServerApplication(
        controlPlane: AgentControlPlane(agent: agent, pipelineName: config.name, batcher: PredictionBatcher()),
        configuration: ServerConfiguration(host: config.server.host, port: port, token: token), logger: logger)
    logger.info("HTTP on http://\(config.server.host):\(port)/ (dashboard, /metrics, /v1/status)")
    return HTTPService(app, logger: logger)
}

/// The HTTP server running in a service group, so that stopping it is a graceful shutdown
/// (open requests finish, the listener closes) rather than a cancellation.
final class HTTPService: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Never>

    init(_ service: some Service, logger: Logger) {
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        self.group = group
        task = Task {
            do { try await group.run() } catch { logger.error("HTTP server stopped: \(error)") }
        }
    }

    /// Shuts the server down gracefully and waits until it has.
    func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}

/// The running ``Agent`` seen through the HTTP control plane.
struct AgentControlPlane: ControlPlane {
    let agent: Agent
    let pipelineName: String
    /// Runs predictions off the cooperative pool, batched across adapters.
    let batcher: PredictionBatcher

    func status() async throws -> AgentStatus {
        let s = agent.status
        let adapters = s.adapters.map { a in
            AdapterStatus(
                name: a.name, liveVersion: a.live, labels: a.labels, examplesSeen: a.examples,
                examplesTrained: a.trained, holdoutExamples: a.holdoutBuffered, steps: a.steps, lastTrainLoss: a.lastLoss,
                prequential: .init(cumulative: .init(count: a.examples, accuracy: a.accuracy, logLoss: a.logLoss),
                                   windowed: .init(count: a.windowExamples,
                                                   accuracy: a.windowAccuracy, logLoss: a.windowLogLoss),
                                   window: agent.config.metrics.window),
                lastSnapshot: try? lastSnapshot(a.name),
                partitions: s.partitions.filter { a.partitions.contains($0.partition) }.map {
                    PartitionLag(topic: agent.config.kafka.topic, partition: Int($0.partition), position: $0.position,
                                 highWatermark: $0.highWatermark, lag: $0.lag)
                },
                dlqMessages: s.deadLettered)
        }
        return AgentStatus(startedAt: Date(timeIntervalSinceNow: -s.uptimeSeconds), uptimeSeconds: s.uptimeSeconds,
                           ready: s.ready, pipeline: pipelineName, topic: agent.config.kafka.topic,
                           defaultAdapter: agent.config.routing.defaultAdapter,
                           baseModel: agent.runtime.directory.lastPathComponent, adapters: adapters)
    }

    func ready() async throws -> Bool { agent.status.ready }

    func predict(_ request: PredictRequest) async throws -> PredictResponse {
        let name = request.adapter ?? agent.config.routing.defaultAdapter
        guard agent.status.adapters.contains(where: { $0.name == name }) else {
            throw ControlPlaneError.notFound("no adapter named '\(name)'")
        }
        guard let live = agent.live.current(name), let version = live.version else {
            throw ControlPlaneError.unavailable("adapter '\(name)' has no live version yet")
        }
        // The request keeps `live` (one version) whatever is published while it waits.
        let predictions = try await batcher.predict(live, texts: request.texts).map {
            Server.Prediction(label: $0.label ?? "", scores: $0.scores, version: version.name)
        }
        return PredictResponse(adapter: name, version: version.name, predictions: predictions)
    }

    /// All requests at once, so the batcher shares forward passes between their adapters.
    func predict(_ requests: [PredictRequest]) async throws -> [PredictResponse] {
        try await withThrowingTaskGroup(of: (Int, PredictResponse).self) { group in
            for (i, r) in requests.enumerated() { group.addTask { (i, try await predict(r)) } }
            var out = [PredictResponse?](repeating: nil, count: requests.count)
            for try await (i, response) in group { out[i] = response }
            return out.map { $0! }
        }
    }

    func adapters() async throws -> [AdapterInfo] {
        try AdapterRegistry.adapters(in: agent.registryRoot).map { name in
            let registry = try AdapterRegistry(root: agent.registryRoot, adapter: name)
            let versions = try registry.versions()
            let lora = agent.runtime.lora
            return AdapterInfo(
                name: name, liveVersion: try registry.live()?.name, latestVersion: versions.last?.version.name,
                versionCount: versions.count, labels: versions.last?.labels ?? [],
                isDefault: name == agent.config.routing.defaultAdapter,
                lora: LoRAInfo(rank: lora.rank, alpha: Double(lora.alpha), targetModules: lora.targets.map(\.rawValue),
                               trainableParameters: 0, totalParameters: agent.runtime.base.parameterCount))
        }
    }

    func versions(adapter: String) async throws -> [VersionInfo] {
        let registry = try open(adapter)
        let live = try registry.live()
        return try registry.versions().map { info($0, live: live) }
    }

    func promote(adapter: String, version: String, reason: String?) async throws -> VersionInfo {
        guard let v = Version(version) else { throw ControlPlaneError.badRequest("'\(version)' is not a version number") }
        _ = try open(adapter)
        let done = try await mapped { try await agent.promote(adapter: adapter, version: v, reason: reason ?? "promoted over HTTP") }
        return try info(open(adapter).manifest(done), live: done)
    }

    func rollback(adapter: String, to version: String?, reason: String?) async throws -> VersionInfo {
        let target = try version.map { text -> Version in
            guard let v = Version(text) else { throw ControlPlaneError.badRequest("'\(text)' is not a version number") }
            return v
        }
        _ = try open(adapter)
        let done = try await mapped { try await agent.rollback(adapter: adapter, to: target, reason: reason ?? "rolled back over HTTP") }
        return try info(open(adapter).manifest(done), live: done)
    }

    func drift(adapter: String?) async throws -> [DriftReport] {
        if let adapter {
            guard let report = agent.drift.report(adapter: adapter) else {
                throw ControlPlaneError.notFound("no drift data for adapter '\(adapter)'")
            }
            return [report]
        }
        return agent.drift.reports()
    }

    func metrics() async throws -> String {
        var text = PrometheusText()
        let s = agent.status
        try text.counter("streamlora_consumed_total", help: "Records consumed from Kafka.", value: Double(s.consumed))
        try text.counter("streamlora_dead_lettered_total", help: "Records sent to the dead-letter topic.", value: Double(s.deadLettered))
        try text.counter("streamlora_learner_errors_total", help: "Errors the learner loop survived.", value: Double(s.errors))
        for a in s.adapters {
            let l = ["adapter": a.name]
            try text.counter("streamlora_examples_total", help: "Examples predicted (prequential).", labels: l, value: Double(a.examples))
            try text.counter("streamlora_trained_examples_total", help: "Examples trained on.", labels: l, value: Double(a.trained))
            try text.counter("streamlora_steps_total", help: "Optimizer steps.", labels: l, value: Double(a.steps))
            try text.counter("streamlora_skipped_steps_total", help: "Steps skipped by the non-finite guard.", labels: l, value: Double(a.skippedSteps))
            try text.counter("streamlora_snapshots_total", help: "Versions written.", labels: l, value: Double(a.snapshots))
            try text.counter("streamlora_promotions_total", help: "Versions promoted by the gate.", labels: l, value: Double(a.promotions))
            try text.counter("streamlora_rejections_total", help: "Versions rejected by the gate.", labels: l, value: Double(a.rejections))
            try text.counter("streamlora_rollbacks_total", help: "Automatic rollbacks and reloads.", labels: l, value: Double(a.rollbacks))
            if let v = a.accuracy { try text.gauge("streamlora_prequential_accuracy", help: "Cumulative prequential accuracy.", labels: l, value: v) }
            if let v = a.windowAccuracy { try text.gauge("streamlora_prequential_window_accuracy", help: "Windowed prequential accuracy.", labels: l, value: v) }
            if let v = a.logLoss { try text.gauge("streamlora_prequential_log_loss", help: "Cumulative prequential log-loss.", labels: l, value: v) }
            if let v = a.lastLoss { try text.gauge("streamlora_train_loss", help: "Loss of the last training step.", labels: l, value: v) }
            if let v = a.live.flatMap({ Int($0) }) { try text.gauge("streamlora_live_version", help: "Live version number.", labels: l, value: Double(v)) }
        }
        try agent.drift.appendMetrics(to: &text)
        return text.render()
    }

    // MARK: Helpers

    private func open(_ adapter: String) throws -> AdapterRegistry {
        guard AdapterRegistry.adapters(in: agent.registryRoot).contains(adapter) else {
            throw ControlPlaneError.notFound("no adapter named '\(adapter)'")
        }
        return try AdapterRegistry(root: agent.registryRoot, adapter: adapter)
    }

    private func lastSnapshot(_ adapter: String) throws -> SnapshotStatus? {
        let registry = try AdapterRegistry(root: agent.registryRoot, adapter: adapter)
        guard let m = try registry.versions().last else { return nil }
        return SnapshotStatus(version: m.version.name, createdAt: m.createdAt, status: status(m.status),
                              examplesTrained: m.examplesTrained)
    }

    private func info(_ m: Manifest, live: Version?) -> VersionInfo {
        func values(_ n: [String: Double]) -> MetricValues? {
            guard let count = n["examples"] else { return nil }
            return MetricValues(count: Int(count), accuracy: n["accuracy"], logLoss: n["log_loss"])
        }
        return VersionInfo(version: m.version.name, parent: m.parent?.name, createdAt: m.createdAt, status: status(m.status),
                           isLive: m.version == live, examplesTrained: m.examplesTrained, steps: m.steps,
                           holdout: values(m.holdoutMetrics), prequential: values(m.prequentialMetrics), reason: m.reason)
    }

    private func status(_ s: Registry.VersionStatus) -> Server.VersionStatus {
        switch s {
        case .candidate: .candidate
        case .live: .live
        case .rejected: .rejected
        default: .retired
        }
    }

    /// Maps the agent's and registry's errors onto HTTP answers.
    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as RegistryError {
            throw ControlPlaneError.conflict("\(e)")
        } catch let e as AgentError {
            throw ControlPlaneError.notFound("\(e)")
        }
    }
}
