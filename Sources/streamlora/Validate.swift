import Threads
import ArgumentParser
import Foundation
import Learner
import Model
import Stream

/// `streamlora validate`: everything `serve` needs, checked without starting it.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline file, its model directory and broker reachability without starting.",
        discussion: """
        Exits 0 when every check passes, 1 otherwise; each failure names the file, key or address \
        and what to do. The broker check opens a TCP connection to every bootstrap server.
        """
    )

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "Seconds to wait for each broker connection.")
    var timeout: Double = 5

    @Flag(help: "Machine-readable JSON output.")
    var json = false

    struct Check: Encodable {
        var name: String
        var ok: Bool
        var detail: String
    }

    func run() async throws {
        var checks: [Check] = []
        let config: PipelineConfig
        do {
            config = try PipelineConfig.load(contentsOf: URL(fileURLWithPath: pipeline.pipeline))
            checks.append(Check(name: "pipeline", ok: true, detail: "\(pipeline.pipeline): pipeline '\(config.name)', topic \(config.kafka.topic)"))
        } catch {
            checks.append(Check(name: "pipeline", ok: false, detail: "\(error)"))
            try report(checks)
            return
        }
        do {
            let model = try ModelDirectoryCheck.run(config: config, pipelineFile: pipeline.pipeline)
            checks.append(Check(name: "model", ok: true, detail: model))
        } catch {
            checks.append(Check(name: "model", ok: false, detail: "\(error)"))
        }
        let brokers = pipeline.brokers.map { $0.split(separator: ",").map(String.init) } ?? config.kafka.brokers
        for broker in brokers {
            let result = await Blocking.run { [timeout] in BrokerProbe.connect(broker, timeout: timeout) }
            checks.append(Check(name: "broker", ok: result == nil,
                                detail: result.map { "\(broker): \($0) (kafka.brokers in \(pipeline.pipeline), or --brokers)" }
                                    ?? "\(broker): reachable"))
        }
        try report(checks)
    }

    private func report(_ checks: [Check]) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(["checks": checks]), as: UTF8.self))
        } else {
            for c in checks { print("\(c.ok ? "ok  " : "FAIL") \(c.name): \(c.detail)") }
        }
        if checks.contains(where: { !$0.ok }) { throw ExitCode.failure }
    }
}

/// The base model directory a pipeline names: present, complete, readable config.
enum ModelDirectoryCheck {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// - Returns: a one-line summary of the model.
    /// - Throws: `Failure` naming the pipeline file, the `model.path` key, the missing file and the fix.
    static func run(config: PipelineConfig, pipelineFile: String) throws -> String {
        let path = config.model.path
        let dir = URL(fileURLWithPath: path)
        let fix = "fix model.path in \(pipelineFile) or run ops/setup to fetch all-MiniLM-L6-v2"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "model directory '\(path)' (model.path in \(pipelineFile), relative to "
                + "\(FileManager.default.currentDirectoryPath)) does not exist: \(fix)")
        }
        for file in ["config.json", "vocab.txt", "model.safetensors"]
        where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path) {
            throw Failure(description: "model directory '\(path)' (model.path in \(pipelineFile)) has no \(file): \(fix)")
        }
        let bert: BertConfig
        do {
            bert = try BertConfig(contentsOf: dir.appendingPathComponent("config.json"))
        } catch {
            throw Failure(description: "\(path)/config.json is unreadable: \(error)")
        }
        return "\(path): BERT, \(bert.numHiddenLayers) layers, hidden \(bert.hiddenSize), vocab \(bert.vocabSize)"
    }
}

/// A TCP connection attempt to `host:port`, as a first sign that a broker listens there.
enum BrokerProbe {
    /// - Returns: nil when a connection was established, else why not.
    static func connect(_ address: String, timeout: Double) -> String? {
        let trimmed = address.replacingOccurrences(of: "PLAINTEXT://", with: "").replacingOccurrences(of: "SSL://", with: "")
        guard let colon = trimmed.lastIndex(of: ":"), let port = UInt16(trimmed[trimmed.index(after: colon)...]) else {
            return "not HOST:PORT"
        }
        let host = String(trimmed[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return "cannot resolve '\(host)'" }
        defer { freeaddrinfo(list) }
        var failure = "connection refused"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            defer { entry = info.pointee.ai_next }
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else { failure = String(cString: strerror(errno)); continue }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { failure = "no answer within \(timeout) s"; continue }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return nil }
            failure = String(cString: strerror(error))
        }
        return failure
    }
}
