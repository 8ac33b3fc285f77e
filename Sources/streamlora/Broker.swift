import ArgumentParser


struct Broker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "broker", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'broker' is not implemented yet")
    }
}
