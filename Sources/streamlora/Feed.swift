import ArgumentParser


struct Feed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "feed", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'feed' is not implemented yet")
    }
}
