import ArgumentParser


struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'embed' is not implemented yet")
    }
}
