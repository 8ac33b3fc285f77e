import Threads
import API
import Foundation
import Learner
import Model
import Monitor
import Registry
import Stream

/// The running ``Agent`` seen through the HTTP control plane.
package struct AgentControlPlane: ControlPlane {
    let agent: Agent
    let pipelineName: String
    /// The program's version, for `streamlora_build_info`.
    let buildVersion: String
    let journals: JournalEvents
    /// Runs predictions off the cooperative pool, batched across adapters.
    let batcher: PredictionBatcher

    package init(agent: Agent, pipelineName: String, buildVersion: String, batcher: PredictionBatcher = PredictionBatcher()) {
        self.agent = agent
        self.pipelineName = pipelineName
        self.buildVersion = buildVersion
        self.batcher = batcher
        journals = JournalEvents(registryRoot: agent.registryRoot)
    }

    /// The agent's published status, with the pipeline's name and each adapter's newest
    /// version as the registry has it now (a later promotion or rollback changes its status).
    package func status() async throws -> AgentStatus {
        var s = agent.status
        s.pipeline = pipelineName
        for i in s.adapters.indices {
            s.adapters[i].lastSnapshot = (try? lastSnapshot(s.adapters[i].name)) ?? s.adapters[i].lastSnapshot
        }
        return s
    }

    package func ready() async throws -> Bool { agent.status.notReadyReasons.isEmpty }

    package func readiness() async throws -> (ready: Bool, reasons: [String]) {
        let reasons = agent.status.notReadyReasons
        return (reasons.isEmpty, reasons)
    }

    package func predict(_ request: PredictRequest) async throws -> PredictResponse {
        let name = request.adapter ?? agent.config.routing.defaultAdapter
        // The live model is served whether or not this agent trains the adapter right now
        // (partitions lost to a broker outage stop training, never predictions).
        // An adapter evicted by the residency budget is reloaded from the registry (file I/O and
        // model building: off the cooperative pool).
        let live = agent.live
        var served = live.current(name)
        if served == nil { served = try await Blocking.run { try live.serving(name) } }
        guard served != nil || agent.status.adapters.contains(where: { $0.name == name }) else {
            throw ControlPlaneError.notFound("no adapter named '\(name)'")
        }
        guard let live = served, let version = live.version else {
            throw ControlPlaneError.unavailable("adapter '\(name)' has no live version yet")
        }
        // The request keeps `live` (one version) whatever is published while it waits.
        let predictions = try await batcher.predict(live, texts: request.texts).map {
            Prediction(label: $0.label ?? "", scores: $0.scores, version: version.name)
        }
        return PredictResponse(adapter: name, version: version.name, predictions: predictions)
    }

    /// All requests at once, so the batcher shares forward passes between their adapters.
    package func predict(_ requests: [PredictRequest]) async throws -> [PredictResponse] {
        try await withThrowingTaskGroup(of: (Int, PredictResponse).self) { group in
            for (i, r) in requests.enumerated() { group.addTask { (i, try await predict(r)) } }
            var out = [PredictResponse?](repeating: nil, count: requests.count)
            for try await (i, response) in group { out[i] = response }
            return out.map { $0! }
        }
    }

    package func adapters() async throws -> [AdapterInfo] {
        // Registry reads are file I/O: off the cooperative pool.
        try await Blocking.run { try adapterInfos() }
    }

    private func adapterInfos() throws -> [AdapterInfo] {
        try AdapterRegistry.adapters(in: agent.registryRoot).map { name in
            let registry = try AdapterRegistry(root: agent.registryRoot, adapter: name)
            let versions = try registry.versions()
            // A version is data: show the config the live (else newest) version was written with;
            // the pipeline's only for an adapter without versions.
            let shown = try registry.live() ?? versions.last?.version
            let lora = try shown.map { try agent.runtime.loraConfig(of: registry.loraConfig(of: $0)) } ?? agent.runtime.lora
            let labels = versions.last?.labels ?? []
            // What the optimizer updates: the LoRA A/B of every target plus the classifier head
            // for this adapter's labels (PEFT's `modules_to_save`), as `streamlora inspect` counts.
            let trainable = ParameterLayout(config: agent.runtime.base.config, lora: lora, labels: max(labels.count, 1)).count
            return AdapterInfo(
                name: name, liveVersion: try registry.live()?.name, latestVersion: versions.last?.version.name,
                versionCount: versions.count, labels: labels,
                isDefault: name == agent.config.routing.defaultAdapter,
                lora: LoRAInfo(rank: lora.rank, alpha: Double(lora.alpha), targetModules: lora.targets.map(\.rawValue),
                               trainableParameters: trainable, totalParameters: agent.runtime.base.parameterCount + trainable))
        }
    }

    package func versions(adapter: String) async throws -> [VersionInfo] {
        try await Blocking.run {
            let registry = try open(adapter)
            let live = try registry.live()
            return try registry.versions().map { info($0, live: live) }
        }
    }

    package func promote(adapter: String, version: String, reason: String?) async throws -> VersionInfo {
        guard let v = Version(version) else { throw ControlPlaneError.badRequest("'\(version)' is not a version number") }
        _ = try open(adapter)
        let done = try await mapped { try await agent.promote(adapter: adapter, version: v, reason: reason ?? "promoted over HTTP") }
        return try info(open(adapter).manifest(done), live: done)
    }

    package func rollback(adapter: String, to version: String?, reason: String?) async throws -> VersionInfo {
        let target = try version.map { text -> Version in
            guard let v = Version(text) else { throw ControlPlaneError.badRequest("'\(text)' is not a version number") }
            return v
        }
        _ = try open(adapter)
        let done = try await mapped { try await agent.rollback(adapter: adapter, to: target, reason: reason ?? "rolled back over HTTP") }
        return try info(open(adapter).manifest(done), live: done)
    }

    package func drift(adapter: String?) async throws -> [DriftReport] {
        if let adapter {
            guard let report = agent.drift.report(adapter: adapter) else {
                throw ControlPlaneError.notFound("no drift data for adapter '\(adapter)'")
            }
            return [report]
        }
        return agent.drift.reports()
    }

    package func events(adapter: String?, limit: Int) async throws -> [AgentEvent] {
        let names = try adapter.map { [try open($0).adapter] } ?? AdapterRegistry.adapters(in: agent.registryRoot)
        let all = try names.flatMap { try journals.events(adapter: $0) }
        return Array(all.sorted { $0.time > $1.time }.prefix(limit))
    }

    // MARK: Helpers

    func open(_ adapter: String) throws -> AdapterRegistry {
        guard AdapterRegistry.adapters(in: agent.registryRoot).contains(adapter) else {
            throw ControlPlaneError.notFound("no adapter named '\(adapter)'")
        }
        return try AdapterRegistry(root: agent.registryRoot, adapter: adapter)
    }

    private func lastSnapshot(_ adapter: String) throws -> SnapshotStatus? {
        let registry = try AdapterRegistry(root: agent.registryRoot, adapter: adapter)
        guard let m = try registry.versions().last else { return nil }
        return SnapshotStatus(version: m.version.name, createdAt: m.createdAt, status: m.status,
                              examplesTrained: m.examplesTrained)
    }

    private func info(_ m: Manifest, live: Version?) -> VersionInfo {
        VersionInfo(version: m.version.name, parent: m.parent?.name, createdAt: m.createdAt, status: m.status,
                    isLive: m.version == live, examplesTrained: m.examplesTrained, steps: m.steps,
                    holdout: m.holdoutMetrics, prequential: m.prequentialMetrics, reason: m.reason)
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
