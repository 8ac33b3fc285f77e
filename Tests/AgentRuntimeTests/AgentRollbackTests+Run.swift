import Threads
import API
@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import Testing

/// One agent on a one-partition topic of the embedded broker, with the tiny model, fed by the
/// test in chunks: a learnable phase, then a regression phase whose labels are permuted.
final class RollbackRun: @unchecked Sendable {
    static let labels = 4
    static let holdoutShare = 0.1
    /// Examples per learning chunk; after each, the test looks at the status.
    static let chunk = 40
    /// Examples of the regression phase (enough for the window of 20 to collapse).
    static let regression = 60
    /// Windowed prequential accuracy the learnable phase reaches before the regression.
    static let learnedAccuracy = 0.7

    let dir: TemporaryDirectory
    let broker: EmbeddedBroker
    let registryURL: URL
    let registry: AdapterRegistry
    let agent: Agent
    let config: PipelineConfig
    let group: String
    private let producer: RecordingProducer
    private let everyExamples: Int
    private(set) var log = ProducedLog()
    /// Everything produced, in production (= offset) order.
    private(set) var producedItems: [SyntheticStream.Item] = []
    private var produced = 0
    private var stopped = false

    /// Starts the broker (topic of one partition) and the agent.
    init(_ label: String, everyExamples: Int, rollback: String, drift: String? = nil, gateTolerance: Double = 1) async throws {
        let bed = try AgentTestBed(label)
        dir = bed.dir
        let model = bed.model
        registryURL = bed.registry
        broker = try bed.broker(partitions: 1, deadLetters: true)
        producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        group = label
        self.everyExamples = everyExamples
        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: label, model: model, registry: registryURL,
                                    holdoutShare: Self.holdoutShare, everyExamples: everyExamples, minHoldout: 5,
                                    everySeconds: 0, rollback: rollback, drift: drift, gateTolerance: gateTolerance),
            file: "\(label).yaml", environment: [:])
        self.config = config
        let root = dir.url
        agent = try await Blocking.run { try Agent(config: config, root: root) }
        registry = try AdapterRegistry(root: registryURL, adapter: "default", create: true)
        try agent.start()
    }

    deinit {
        // A failed expectation must not leave the learner thread running.
        if !stopped { agent.stop() }
        producer.close()
    }

    /// The default adapter's status.
    func adapter() throws -> AdapterStatus {
        try #require(agent.status.adapters.first { $0.name == "default" }, "no adapter in status \(agent.status)")
    }

    /// Feeds learnable chunks until `done` holds for the status, the windowed accuracy reached
    /// ``learnedAccuracy``, and so few trained examples wait for the next count-triggered snapshot
    /// that the regression phase cannot complete one (none falls between the regression and the checks).
    /// `labels`: how many of the vocabulary's labels the chunks use (a later phase with more
    /// brings labels the earlier versions never saw).
    func learn(labels: Int = RollbackRun.labels, until done: (AdapterStatus) -> Bool) async throws {
        for round in 0..<30 {
            try await feed(SyntheticStream.items(Self.chunk, labels: labels, prefix: "learn\(labels)-\(round)",
                                                 seed: 0x1EA2 + UInt64(round) + UInt64(labels == Self.labels ? 0 : 100 * labels)))
            let a = try adapter()
            let snapshot = a.lastSnapshot?.examplesTrained ?? 0
            let windowAccuracy = a.prequential.windowed.accuracy ?? 0
            if done(a), windowAccuracy >= Self.learnedAccuracy, a.examplesTrained - snapshot + Self.regression < everyExamples {
                print("\(group): learned \(a.examplesSeen) examples, window accuracy \(windowAccuracy), "
                    + "\(a.promotions) promotions, live \(a.liveVersion ?? "-"), \(a.examplesTrained - snapshot) pending")
                return
            }
        }
        throw TestFailure("\(group): the learnable phase did not reach its goal: \(try adapter())")
    }

    /// Feeds `count` examples whose labels are permuted (each label becomes the next one).
    func regress(_ count: Int = RollbackRun.regression, prefix: String = "regress") async throws {
        let names = SyntheticStream.vocabulary.prefix(Self.labels).map(\.label)
        let items = SyntheticStream.items(count, labels: Self.labels, prefix: prefix, seed: 0x2E62).map { item in
            let index = names.firstIndex(of: item.label)!
            return SyntheticStream.Item(id: item.id, label: names[(index + 1) % names.count], text: item.text)
        }
        try await feed(items)
    }

    /// Feeds `count` examples whose labels are drawn at random, whatever the text says: a
    /// poisoned burst, which unlike a permutation is no concept a learner could pick up.
    func poison(_ count: Int) async throws {
        let names = SyntheticStream.vocabulary.prefix(Self.labels).map(\.label)
        var rng = SeededGenerator(seed: 0xB0150)
        let items = SyntheticStream.items(count, labels: Self.labels, prefix: "poison", seed: 0xB015)
            .map { SyntheticStream.Item(id: $0.id, label: names.randomElement(using: &rng)!, text: $0.text) }
        try await feed(items)
    }

    /// Feeds `count` examples with the learnable phase's labels but every label's words taken
    /// from another label further down the vocabulary (`offset` entries on): the same number of
    /// tokens, other token embeddings — a pure input shift.
    func shiftInputs(_ count: Int, offset: Int = 10) async throws {
        let items = SyntheticStream.items(count, labels: Self.labels + offset, prefix: "shift", seed: 0x5A1F)
            .filter { item in SyntheticStream.vocabulary.firstIndex { $0.label == item.label }! >= offset }
            .map { item in
                let index = SyntheticStream.vocabulary.firstIndex { $0.label == item.label }!
                return SyntheticStream.Item(id: item.id, label: SyntheticStream.vocabulary[index - offset].label, text: item.text)
            }
        try await feed(items)
    }

    /// Produces `items` to partition 0 and waits until the agent predicted (and so trained) all of them.
    private func feed(_ items: [SyntheticStream.Item]) async throws {
        for item in items { producer.send(topic: TestPipeline.topic, partition: 0, value: item.json, id: item.id) }
        producedItems += items
        log = try await Blocking.run { [producer] in try producer.flush() }
        produced += items.count
        let target = produced
        let seen = await waitUntil(60, interval: 0.02) { (agent.status.adapters.first?.examplesSeen ?? 0) >= target }
        guard seen else { throw TestFailure("\(group): \(target) examples not predicted within 60 s: \(agent.status)") }
    }

    /// A second agent on the same pipeline, registry and group (after ``stop()``: a restart).
    func restartedAgent() async throws -> Agent {
        let root = dir.url, config = config
        let agent = try await Blocking.run { try Agent(config: config, root: root) }
        try agent.start()
        return agent
    }

    /// Labels of the held-out records produced so far, in offset order.
    var heldOutLabels: [String] {
        let splitter = HoldoutSplitter(share: Self.holdoutShare)
        return producedItems.filter { splitter.isHoldout(.id($0.id)) }.map(\.label)
    }

    /// Stops the agent (final snapshot, commit).
    func stop() async throws {
        stopped = true
        await Blocking.run { [agent] in agent.stop() }
    }

    /// Ids produced at `offsets` of partition 0 that are trained (not held out), in offset order.
    func trainedIDs(_ offsets: Range<Int64>) -> [String] {
        let splitter = HoldoutSplitter(share: Self.holdoutShare)
        let records = log.byPartition[0] ?? [:]
        return offsets.compactMap { records[$0] ?? nil }.filter { !splitter.isHoldout(.id($0)) }
    }

    /// The offset from which `manifest`'s lineage is `prefix` plus the rest of the stream, each
    /// trained id exactly once: where the learner restarted after the rollback, searched from `start`.
    func rollbackPoint(of manifest: Manifest, after prefix: [String], from start: Int64) -> Int64? {
        let end = log.highWatermarks[0] ?? 0
        return (start...end).first { cut in
            let ids = prefix + trainedIDs(cut..<end)
            return ids.count == manifest.examplesTrained && TrainedIDsDigest(ids) == manifest.trainedIDs
        }
    }

    /// After `stop()`: every version verifies, `LIVE` names one of them, Kafka's commit equals the
    /// newest manifest's offsets, and nothing was dead-lettered.
    func expectConsistent(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let scan = try RegistryChecks.scan(root: registryURL, adapter: "default")
        #expect(scan.leftovers == 0, sourceLocation: sourceLocation)
        let final = try #require(registry.newestDurable(), sourceLocation: sourceLocation)
        let committed = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: group,
                                                           topic: TestPipeline.topic, partitions: 1)
        #expect(committed == RegistryChecks.offsets(final, topic: TestPipeline.topic), sourceLocation: sourceLocation)
        #expect(agent.status.dlqMessages == 0 && agent.status.errors == 0, "\(agent.status)", sourceLocation: sourceLocation)
    }

    /// Runs the built `streamlora` CLI; returns its exit status, standard output and standard error.
    func cli(_ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
        let executable = try TestPaths.streamloraExecutable()
        let errors = dir.path("cli-\(UUID().uuidString.prefix(8)).err")
        return try await Blocking.run {
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let error = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            return (process.terminationStatus, String(decoding: data, as: UTF8.self), error)
        }
    }
}
