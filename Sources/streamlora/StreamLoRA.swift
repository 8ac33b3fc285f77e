import ArgumentParser

/// The `streamlora` command: one subcommand per job.
@main
struct StreamLoRA: AsyncParsableCommand {
    /// The release, shown by `--version` and exported as `streamlora_build_info{version}`.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "streamlora",
        abstract: "Continual online learning of LoRA adapters from a Kafka stream.",
        version: StreamLoRA.version,
        subcommands: [
            Demo.self,
            Serve.self,
            Validate.self,
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
