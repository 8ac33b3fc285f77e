import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import TestCorpora
import Testing

@testable import Server

#if canImport(Glibc)
import Glibc
#endif

/// The control plane under abuse: thousands of idle connections must neither exhaust the process's
/// file descriptors nor stop `/healthz` and predictions from answering (connection limit + idle timeout).
@Suite struct ConnectionFloodTests {
    static let idleConnections = 1_500

    @Test func fifteenHundredIdleConnectionsLeaveHealthzAndPredictAnswering() async throws {
        try IdleConnections.raiseDescriptorLimit(to: 4_096)
        let plane = try FakeControlPlane()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, maxConnections: 256, idleTimeoutSeconds: 2)
        // Run the server ourselves rather than through HummingbirdTesting's live client: that
        // client connects once with a 5 s timeout, and behind a full listen backlog its SYN is
        // dropped (it failed so under load); our own clients below wait as long as they need.
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let app = makeServerApplication(controlPlane: plane, configuration: configuration, logger: Logger(label: "flood-test"),
                                        onListening: { listening.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "flood-test")))
        let server = Task { try await group.run() }
        var next = ports.makeAsyncIterator()
        let port = try #require(await next.next())
        do {
            try await Self.flood(port: port)
        } catch {
            await group.triggerGracefulShutdown()
            _ = await server.result
            throw error
        }
        await group.triggerGracefulShutdown()
        try await server.value
    }

    /// 1,500 idle connections against the server on `port`; fresh clients are answered; then the
    /// server takes and closes every connection (so it can stop without queued connections).
    static func flood(port: Int) async throws {
        // Every socket connects (into the listen backlog while the server is at its limit) and stays idle.
        var sockets = IdleConnections.open(Self.idleConnections, port: port)
        defer { IdleConnections.close(sockets) }
        #expect(sockets.count == Self.idleConnections, "only \(sockets.count) idle connections were opened")

        // The server's own descriptors stay bounded and idle connections time out, so new
        // clients (each request on its own connection) are answered.
        let fresh = try ControlPlaneClient(url: "http://127.0.0.1:\(port)", timeout: .seconds(120))
        #expect(try await fresh.isAlive())
        let answer = try await fresh.predict(["a fine day"])
        #expect(answer.predictions.count == 1)
        // Let the server take and close every connection before it stops: NIO traps when a
        // connection it accepted is still queued for a server that is shutting down
        // (apple/swift-nio#2637, "Deinited NIOAsyncWriter without calling finish()").
        IdleConnections.close(sockets)
        sockets = []
        var pending = Self.pendingConnections(port: port)
        for _ in 0..<1_200 where pending > 0 {
            try await Task.sleep(for: .milliseconds(100))
            pending = Self.pendingConnections(port: port)
        }
        #expect(pending == 0, "\(pending) connections still queued or open at the server")
    }

    /// The whole of /proc/net/tcp. Read to EOF with read(2): procfs reports a size of 0 and
    /// hands the table out a page at a time, so a single read sees only its first entries.
    static func tcpTable() -> String? {
        let fd = open("/proc/net/tcp", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Connections to the server's `port` that it has not finished with: those waiting in the
    /// listen backlog plus those established or half-closed by the client (from /proc/net/tcp).
    static func pendingConnections(port: Int) -> Int {
        guard let table = Self.tcpTable() else { return Int.max }
        var pending = 0
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 4, let colon = fields[1].lastIndex(of: ":"),
                  Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port else { continue }
            switch fields[3] {
            case "0A":  // LISTEN: rx_queue is the accept backlog
                let queues = fields[4].split(separator: ":")
                pending += queues.count == 2 ? Int(queues[1], radix: 16) ?? 0 : 0
            case "01", "08":  // ESTABLISHED, CLOSE_WAIT
                pending += 1
            default:
                continue
            }
        }
        return pending
    }
}
