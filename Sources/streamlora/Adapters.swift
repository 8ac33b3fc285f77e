import ArgumentParser


struct Adapters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "adapters", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'adapters' is not implemented yet")
    }
}
