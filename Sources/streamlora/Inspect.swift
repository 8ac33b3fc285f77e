import ArgumentParser


struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'inspect' is not implemented yet")
    }
}
