import ArgumentParser

/// `streamlora bench …`: throughput measured against a peer in the same run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (release build): training, inference, ingestion.",
        subcommands: []
    )
}
