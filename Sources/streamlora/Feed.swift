import ArgumentParser
import Foundation
import Stream

/// `streamlora feed`: produce labelled examples from JSONL or CSV, normalized to the schema.
struct Feed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Produce labelled examples from a JSONL or CSV file (or - for stdin JSONL).",
        discussion: """
        Each row becomes {"text"|"features", "label", "id"?, "ts"?, "weight"?}; rows that would \
        be refused by the consumer are reported and not sent. Exits non-zero unless every \
        record was acknowledged by the broker.
        """
    )

    @Option(help: "Kafka bootstrap servers.")
    var brokers: String

    @Option(help: "Topic to produce to.")
    var topic: String

    @Option(help: "Fixed record key (adapter name) for every record.")
    var key: String?

    @Option(name: .customLong("key-field"), help: "Field whose value becomes the record key (adapter name).")
    var keyField: String?

    @Option(help: "Records per second (e.g. 500 or 500/s); default as fast as possible.")
    var rate: String?

    @Option(name: .customLong("label-field"), help: "Source field holding the label.")
    var labelField = "label"

    @Option(name: .customLong("text-field"), help: "Source field holding the text.")
    var textField = "text"

    @Option(name: .customLong("format"), help: "Input format: jsonl or csv (default: from the file extension; stdin is jsonl).")
    var format: String?

    @Option(name: .customLong("kafka"), help: "Extra librdkafka property KEY=VALUE (repeatable), e.g. security.protocol=SASL_SSL.")
    var kafkaProperties: [String] = []

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Argument(help: "Input file (.jsonl or .csv), or - for JSONL on stdin.")
    var file: String

    func validate() throws {
        if key != nil, keyField != nil { throw ValidationError("give --key or --key-field, not both") }
        if rate != nil, parsedRate == nil { throw ValidationError("--rate must be a positive number, optionally followed by /s") }
        if let format, !["jsonl", "csv"].contains(format) { throw ValidationError("--format must be jsonl or csv") }
        for property in kafkaProperties where !property.contains("=") {
            throw ValidationError("--kafka '\(property)': expected KEY=VALUE")
        }
    }

    var parsedRate: Double? {
        guard let rate else { return nil }
        let number = rate.hasSuffix("/s") ? String(rate.dropLast(2)) : rate
        return Double(number).flatMap { $0 > 0 ? $0 : nil }
    }

    var inputFormat: String {
        format ?? (file.lowercased().hasSuffix(".csv") ? "csv" : "jsonl")
    }

    func run() async throws {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read input file '\(file)'")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        // An unreachable cluster should fail the run in seconds, not librdkafka's default 5 minutes.
        var properties: [String: String] = ["bootstrap.servers": brokers, "message.timeout.ms": "30000"]
        for property in kafkaProperties {
            let parts = property.split(separator: "=", maxSplits: 1)
            properties[String(parts[0])] = String(parts[1])
        }
        let producer = try KafkaProducer(config: KafkaConfig(properties))
        let feeder = Feeder(producer: producer, topic: topic, rate: parsedRate)
        let normalizer = FeedNormalizer(textField: textField, labelField: labelField, keyField: keyField, key: key)
        let rows = Feed.rows(text, format: inputFormat, normalizer: normalizer)
        let bar = ProgressBar(total: rows.count, label: "feed \(topic)")
        let started = Date()
        for row in rows {
            switch row {
            case .success(let record): await feeder.send(key: record.key, value: record.value, started: started)
            case .failure(let invalid):
                feeder.invalid(invalid.description)
                FileHandle.standardError.write(Data("feed: skipped \(invalid)\n".utf8))
            }
            bar.update(feeder.progress)
        }
        let summary = await feeder.finish()
        producer.close()
        bar.finish(summary)
        let seconds = Date().timeIntervalSince(started)
        if json {
            var object: [String: Any] = ["sent": summary.sent, "acknowledged": summary.acknowledged,
                                         "failed": summary.failed, "invalid": summary.invalid,
                                         "topic": topic, "seconds": (seconds * 1000).rounded() / 1000]
            if let error = summary.firstError { object["first_error"] = error }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            emit(String(decoding: data, as: UTF8.self))
        } else {
            emit("sent \(summary.sent), acknowledged \(summary.acknowledged), failed \(summary.failed), invalid \(summary.invalid) in \(String(format: "%.2f", seconds)) s")
            if let error = summary.firstError { emit("first error: \(error)") }
        }
        if summary.acknowledged != summary.sent || summary.invalid > 0 { throw ExitCode(1) }
    }

    /// Normalizes every row of the input; CSV uses its first row as the header.
    static func rows(_ text: String, format: String, normalizer: FeedNormalizer)
        -> [Result<(key: String?, value: [UInt8]), FeedNormalizer.Invalid>] {
        if format == "csv" {
            let table = parseCSV(text)
            guard let header = table.first else { return [] }
            return table.dropFirst().enumerated().map { normalizer.normalize(csvRow: $1, header: header, line: $0 + 2) }
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            line.trimmingCharacters(in: .whitespaces).isEmpty ? nil : normalizer.normalize(jsonLine: String(line), line: index + 1)
        }
    }
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
final class ProgressBar {
    private let total: Int
    private let label: String
    private var lastDraw = Date.distantPast
    private let enabled = isatty(STDERR_FILENO) != 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ p: Feeder.Progress, force: Bool = false) {
        guard enabled, force || Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = Date()
        let done = p.sent + p.invalid
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\r\(label) \(bar) \(done)/\(total)  acked \(p.acknowledged)  failed \(p.failed)  invalid \(p.invalid)"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish(_ p: Feeder.Progress) {
        update(p, force: true)
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
