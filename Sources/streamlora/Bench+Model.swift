import ArgumentParser

struct BenchTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'bench train' is not implemented yet")
    }
}

struct BenchInfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "(not yet implemented)")

    func run() async throws {
        throw ValidationError("'bench infer' is not implemented yet")
    }
}

