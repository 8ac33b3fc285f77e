import Foundation
import Testing
@testable import Stream

/// Runs a process to completion, feeding `input` on stdin; returns stdout and the exit status.
func run(_ path: String, _ arguments: [String], input: String? = nil, seconds: Double = 30) throws -> (String, Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdout = Pipe()
    let stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: output, as: UTF8.self), process.terminationStatus)
}

@Suite("Interoperability with kcat")
struct InteropTests {
    static let kcat = "/usr/bin/kcat"

    @Test("records produced by kcat (keys, headers) are consumed and decoded")
    func kcatProduces() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("kcatin")
        try broker.createTopic(topic, partitions: 1)
        try broker.createTopic(topic + ".dlq", partitions: 1)
        let lines = [
            #"adapter-a|{"text":"first from kcat","label":"pos","id":"k1"}"#,
            #"|{"features":[0.5,-1],"label":3}"#,
            #"adapter-b|{"text":"not closed","label":"#,
            #"adapter-a|{"text":"élan ✓","label":"neg","weight":2}"#,
        ]
        let (_, status) = try run(Self.kcat, ["-P", "-b", broker.bootstrapServers, "-t", topic, "-K", "|",
                                              "-H", "source=kcat"], input: lines.joined(separator: "\n") + "\n")
        #expect(status == 0)

        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: uniqueName("g"), topics: [topic]))
        try pipeline.start()
        let collector = EventCollector(pipeline)
        #expect(await eventually { collector.all.count >= 4 })
        await pipeline.stop()
        let examples = collector.examples.map(\.0)
        #expect(examples == [
            Example(input: .text("first from kcat"), label: "pos", id: "k1", adapter: "adapter-a"),
            Example(input: .features([0.5, -1]), label: "3", adapter: nil),
            Example(input: .text("élan ✓"), label: "neg", weight: 2, adapter: "adapter-a"),
        ])
        #expect(collector.deadLettered.map(\.0.reason) == [.invalidJSON])
        let letters = try await consumeAll(broker, topic: topic + ".dlq", count: 1)
        #expect(letters.first?.headers.text("source") == "kcat", "kcat's header survives into the DLQ")
    }

    @Test("what feed produces is read back correctly by kcat -C -e")
    func feedToKcat() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("feedout")
        try broker.createTopic(topic, partitions: 1)
        let jsonl = """
        {"review":"loved it","stars":"pos","user":"u1","id":"r1"}
        {"review":"tab\\there","stars":"neg","user":"u2","ts":1700000000}
        {"review":"","stars":"neg","user":"u3"}
        """
        let normalizer = FeedNormalizer(textField: "review", labelField: "stars", keyField: "user")
        let producer = try KafkaProducer(config: testConfig(broker))
        let feeder = Feeder(producer: producer, topic: topic)
        let started = Date()
        for (i, line) in jsonl.split(separator: "\n").enumerated() {
            switch normalizer.normalize(jsonLine: String(line), line: i + 1) {
            case .success(let record): await feeder.send(key: record.key, value: record.value, started: started)
            case .failure(let invalid): feeder.invalid(invalid.description)
            }
        }
        let summary = await feeder.finish()
        producer.close()
        #expect(summary.sent == 2 && summary.acknowledged == 2 && summary.failed == 0 && summary.invalid == 1)
        #expect(summary.firstError?.contains("empty_text") == true)

        let (output, status) = try run(Self.kcat, ["-C", "-b", broker.bootstrapServers, "-t", topic, "-e",
                                                   "-o", "beginning", "-q", "-f", "%k\t%s\n"])
        #expect(status == 0)
        let rows = output.split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        #expect(rows.map { $0[0] } == ["u1", "u2"])
        // kcat printed the values verbatim; they parse as the schema with Foundation too.
        let objects = try rows.map { try JSONSerialization.jsonObject(with: Data($0[1].utf8)) as! [String: Any] }
        #expect(objects[0]["text"] as? String == "loved it" && objects[0]["label"] as? String == "pos" && objects[0]["id"] as? String == "r1")
        #expect(objects[1]["text"] as? String == "tab\there" && (objects[1]["ts"] as? NSNumber)?.doubleValue == 1_700_000_000)
        #expect(objects.allSatisfy { $0["user"] == nil && $0["review"] == nil })
    }

    @Test("a fixed bootstrap port works through the proxy for independent clients")
    func fixedPort() async throws {
        // Ask the kernel for a free port, then let the broker bind it.
        let free: UInt16 = try {
            let probe = try EmbeddedBroker()   // destroyed at the end of this closure, freeing its port
            return UInt16(probe.brokerAddresses.split(separator: ":").last!)!
        }()
        let broker = try EmbeddedBroker(port: free)
        #expect(broker.bootstrapServers == "127.0.0.1:\(free)")
        let topic = uniqueName("fixed")
        try broker.createTopic(topic, partitions: 1)
        let (_, produced) = try run(Self.kcat, ["-P", "-b", broker.bootstrapServers, "-t", topic], input: "one\ntwo\n")
        #expect(produced == 0)
        let (output, status) = try run(Self.kcat, ["-C", "-b", broker.bootstrapServers, "-t", topic, "-e", "-o", "beginning", "-q"])
        #expect(status == 0)
        #expect(output == "one\ntwo\n")
    }
}
