import Foundation

/// A `streamlora` child process (broker, serve, adapters …) that tests start, signal and reap.
///
/// Output goes to a log file (kept in the test's temp dir for post-mortems); a child that is
/// still running when the value dies is killed with SIGKILL so no test leaves processes behind.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let log: URL
    let name: String
    private let stdoutPipe: Pipe?

    /// Starts `executable arguments…` with its stderr (and stdout unless `pipeStdout`) in `log`.
    init(_ executable: URL, _ arguments: [String], log: URL, name: String, pipeStdout: Bool = false,
         environment: [String: String] = [:]) throws {
        self.log = log
        self.name = name
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardError = output
        if pipeStdout {
            let pipe = Pipe()
            stdoutPipe = pipe
            process.standardOutput = pipe
        } else {
            stdoutPipe = nil
            process.standardOutput = output
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGKILL, SIGTERM …) to the child.
    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// The first line of the child's stdout (`pipeStdout` only), waiting up to `seconds`.
    func firstStdoutLine(within seconds: Double) async throws -> String {
        guard let pipe = stdoutPipe else { throw TestFailure("\(name): stdout is not piped") }
        let handle = pipe.fileHandleForReading
        let once = ResumeOnce<String?>()
        let line: String? = await withCheckedContinuation { continuation in
            once.set(continuation)
            Thread {
                var bytes: [UInt8] = []
                while true {
                    guard let byte = handle.readData(ofLength: 1).first else { once.resume(nil); return }
                    if byte == UInt8(ascii: "\n") { once.resume(String(decoding: bytes, as: UTF8.self)); return }
                    bytes.append(byte)
                }
            }.start()
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { once.resume(nil) }
        }
        guard let line else {
            throw TestFailure("\(name) printed no stdout line within \(seconds) s; log: \(logTail())")
        }
        return line
    }

    /// Waits up to `seconds` for the child to exit; returns its exit status (or the killing signal).
    func waitForExit(within seconds: Double) async throws -> (status: Int32, signaled: Bool) {
        let exited = await waitUntil(seconds, interval: 0.01) { !process.isRunning }
        guard exited else {
            throw TestFailure("\(name) (pid \(pid)) did not exit within \(seconds) s; log: \(logTail())")
        }
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    /// Whether the log contains `text` yet.
    func logContains(_ text: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: log.path) else { return false }
        return String(decoding: data, as: UTF8.self).contains(text)
    }

    /// The last lines of the log, for failure messages.
    func logTail(_ lines: Int = 15) -> String {
        guard let data = FileManager.default.contents(atPath: log.path) else { return "(no log)" }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Resumes a continuation exactly once, whichever of several racers comes first.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?

    func set(_ c: CheckedContinuation<T, Never>) {
        lock.lock(); continuation = c; lock.unlock()
    }

    func resume(_ value: T) {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(returning: value)
    }
}

extension ChildProcess {
    /// `streamlora broker` in its own process with the test topic of `partitions` partitions, and
    /// the bootstrap address from its first line (`bootstrap: HOST:PORT`).
    static func broker(_ executable: URL, partitions: Int32, log: URL) async throws -> (ChildProcess, String) {
        let broker = try ChildProcess(executable, ["broker", "--port", "0", "--topic", "\(TestPipeline.topic):\(partitions)"],
                                      log: log, name: "broker", pipeStdout: true)
        let first = try await broker.firstStdoutLine(within: 30)
        guard first.hasPrefix("bootstrap: "), let bootstrap = first.split(separator: " ").last.map(String.init) else {
            broker.send(SIGKILL)
            throw TestFailure("broker's first line should be `bootstrap: HOST:PORT`, got \(first)")
        }
        return (broker, bootstrap)
    }
}
