import Foundation
import Testing

/// Locations the agent tests need: the repository, the real vocabulary, the built CLI, temp dirs.
enum TestPaths {
    /// The directory holding Package.swift, found by walking up from this file.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    }()

    /// The real all-MiniLM-L6-v2 vocabulary (the tiny test model borrows it).
    /// - Throws: a failure saying to run ops/setup when it is missing.
    static func realVocabulary() throws -> URL {
        let url = repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2/vocab.txt")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestFailure("\(url.path) is missing: run ops/setup to fetch the base model")
        }
        return url
    }

    /// The `streamlora` executable built next to this test bundle (`swift build --build-tests`
    /// builds it too), else `.build/debug/streamlora` under the repository.
    /// - Throws: a failure naming the places looked at when it is not built.
    static func streamloraExecutable() throws -> URL {
        var candidates: [URL] = []
        for start in [Bundle.main.executableURL, Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])] {
            guard var dir = start?.deletingLastPathComponent() else { continue }
            // The bundle may sit inside `…/debug/X.xctest/Contents/MacOS`; look a few levels up.
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("streamlora"))
                dir.deleteLastPathComponent()
            }
        }
        candidates.append(repositoryRoot.appendingPathComponent(".build/debug/streamlora"))
        for url in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: url.path) {
                return url
            }
        }
        throw TestFailure("the streamlora executable is not built (looked at \(candidates.map(\.path).joined(separator: ", "))): "
            + "run `swift build --build-tests` (ops/test does) before `swift test --skip-build`")
    }
}

/// A test-setup failure with a message that says what to do.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system temp directory, removed when the value dies
/// (kept when `STREAMLORA_KEEP_TEST_DIRS` is set, for post-mortems).
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("streamlora-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        if ProcessInfo.processInfo.environment["STREAMLORA_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(at: url)
        }
    }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Polls `condition` every `interval` seconds until it holds or `seconds` pass; returns whether it held.
func waitUntil(_ seconds: Double, interval: Double = 0.05, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: seconds)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
    }
    return try condition()
}
