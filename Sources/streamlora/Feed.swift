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

    /// Throws naming the first column the normalizer needs and the header lacks, with the fix.
    func checkHeader(_ header: [String]) throws {
        let columns = header.isEmpty ? "none" : header.map { "'\($0)'" }.joined(separator: ", ")
        var needed: [(column: String, option: String)] = [(labelField, "--label-field")]
        if !header.contains("features") { needed.insert((textField, "--text-field"), at: 0) }
        if let keyField { needed.append((keyField, "--key-field")) }
        for (column, option) in needed where !header.contains(column) {
            throw ValidationError("\(file): the CSV header has no column '\(column)' (columns: \(columns)); "
                + "rename that column or name it with \(option)")
        }
    }

    var inputFormat: String {
        format ?? (file.lowercased().hasSuffix(".csv") ? "csv" : "jsonl")
    }

    func run() async throws {
        // An unreachable cluster should fail the run in seconds, not librdkafka's default 5 minutes.
        var properties: [String: String] = ["bootstrap.servers": brokers, "message.timeout.ms": "30000"]
        for property in kafkaProperties {
            let parts = property.split(separator: "=", maxSplits: 1)
            properties[String(parts[0])] = String(parts[1])
        }
        let input: FileHandle
        if file == "-" {
            input = FileHandle.standardInput
        } else {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw ValidationError("cannot read input file '\(file)'")
            }
            input = handle
        }
        let format = inputFormat
        // A CSV is checked once against its header, so a missing column is one clear error rather
        // than the same complaint for every row.
        let csv = format == "csv" ? parseCSV(String(decoding: input.readDataToEndOfFile(), as: UTF8.self)) : nil
        if let csv { try checkHeader(csv.first ?? []) }
        let producer = try KafkaProducer(config: KafkaConfig(properties))
        let feeder = Feeder(producer: producer, topic: topic, rate: parsedRate)
        let normalizer = FeedNormalizer(textField: textField, labelField: labelField, keyField: keyField, key: key)
        let started = Date()
        // Reading blocks (stdin may be a live pipe), so it runs on its own thread.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                let bar = ProgressBar(label: "feed \(self.topic)")
                let handle: (Result<(key: String?, value: [UInt8]), FeedNormalizer.Invalid>) -> Void = { row in
                    switch row {
                    case .success(let record): feeder.sendBlocking(key: record.key, value: record.value, started: started)
                    case .failure(let invalid):
                        feeder.invalid(invalid.description)
                        FileHandle.standardError.write(Data("\rfeed: skipped \(invalid)\n".utf8))
                    }
                    bar.update(feeder.progress)
                }
                if let table = csv {
                    if let header = table.first {
                        for (index, row) in table.dropFirst().enumerated() {
                            handle(normalizer.normalize(csvRow: row, header: header, line: index + 2))
                        }
                    }
                } else {
                    var lines = LineReader(input)
                    var number = 0
                    while let line = lines.next() {
                        number += 1
                        if line.allSatisfy(\.isWhitespace) { continue }
                        handle(normalizer.normalize(jsonLine: line, line: number))
                    }
                }
                bar.finish(feeder.progress)
                done.resume()
            }
            thread.name = "streamlora.feed.reader"
            thread.start()
        }
        let summary = await feeder.finish()
        producer.close()
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
}

/// A one-line progress display on stderr (only on a terminal), redrawn at most ten
/// times a second. The input may be an endless pipe, so it shows counts and the
/// acknowledged fraction rather than a percentage of a known total.
final class ProgressBar {
    private let label: String
    private var lastDraw = Date.distantPast
    private let started = Date()
    private let enabled = isatty(STDERR_FILENO) != 0

    init(label: String) { self.label = label }

    func update(_ p: Feeder.Progress, force: Bool = false) {
        guard enabled, force || Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = Date()
        let width = 24
        let fraction = p.sent == 0 ? 0 : Double(p.acknowledged) / Double(p.sent)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let rate = Double(p.acknowledged) / max(Date().timeIntervalSince(started), 0.001)
        let line = "\r\(label) [\(bar)] sent \(p.sent)  acked \(p.acknowledged)  failed \(p.failed)  invalid \(p.invalid)  \(Int(rate))/s "
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish(_ p: Feeder.Progress) {
        update(p, force: true)
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Reads UTF-8 lines from a file handle in 64 KiB chunks (blocking; use on a plain thread).
struct LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false

    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            if atEOF {
                guard start < buffer.count else { return nil }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let chunk = handle.availableData
            if chunk.isEmpty { atEOF = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
