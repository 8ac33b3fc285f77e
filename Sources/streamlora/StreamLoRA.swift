import ArgumentParser

/// The `streamlora` command: one subcommand per job.
@main
struct StreamLoRA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamlora",
        abstract: "Continual online learning of LoRA adapters from a Kafka stream.",
        version: "0.1.0",
        subcommands: [
            Demo.self,
            Serve.self,
            Predict.self,
            Inspect.self,
            Embed.self,
            Broker.self,
            Feed.self,
            Adapters.self,
            Status.self,
            Drift.self,
            Bench.self,
        ]
    )
}
