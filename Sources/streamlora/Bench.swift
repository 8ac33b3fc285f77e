import ArgumentParser

/// `streamlora bench …`: throughput, always reported against a peer measured in the same run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (use a release build): training, inference, ingestion, many adapters.",
        subcommands: [BenchTrain.self, BenchInfer.self, BenchIngest.self, BenchAdapters.self]
    )
}
