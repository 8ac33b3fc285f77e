import ArgumentParser
import Foundation
import Learner
import Logging
import Stream

/// `--pipeline FILE [--brokers B]`, shared by the commands that run a pipeline.
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: "Pipeline definition (YAML).")
    var pipeline: String = "pipelines/demo.yaml"

    @Option(name: .long, help: "Kafka bootstrap servers, overriding the pipeline's (e.g. 127.0.0.1:9092).")
    var brokers: String?

    func load() throws -> PipelineConfig {
        var config = try PipelineConfig.load(contentsOf: URL(fileURLWithPath: pipeline))
        if let brokers {
            config.kafka.brokers = brokers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        // A missing model is named with its key and file here, before the loader would report
        // the first file it cannot open.
        _ = try ModelDirectoryCheck.run(config: config, pipelineFile: pipeline)
        return config
    }
}

/// Makes stdout line-buffered even when redirected to a file or pipe, so progress lines and
/// the logger's stderr lines interleave whole, in the order they happened.
func lineBufferedStdout() {
    // C's `stdout` is a mutable global Swift 6 refuses to read; look the stream up instead.
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout") else { return }
    setvbuf(symbol.assumingMemoryBound(to: UnsafeMutablePointer<FILE>.self).pointee, nil, _IOLBF, 0)
}

/// A logger writing to stderr, level from `STREAMLORA_LOG` (default info).
func makeLogger(_ label: String) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = ProcessInfo.processInfo.environment["STREAMLORA_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}
