import ArgumentParser

struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'bench ingest' is not implemented yet")
    }
}

