import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import Server

#if canImport(Glibc)
import Glibc
#endif

/// The control plane under abuse: thousands of idle connections must neither exhaust the process's
/// file descriptors nor stop `/healthz` and predictions from answering (connection limit + idle timeout).
@Suite struct ConnectionFloodTests {
    static let idleConnections = 1_500

    /// Raises the soft descriptor limit so this process can hold the flood's client sockets
    /// (and the server its accepted ones).
    static func raiseDescriptorLimit(to wanted: rlim_t) throws {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw FloodSetupError("getrlimit: \(errno)") }
        guard limit.rlim_cur < wanted else { return }
        guard limit.rlim_max >= wanted else {
            throw FloodSetupError("RLIMIT_NOFILE hard limit \(limit.rlim_max) is below the \(wanted) this test needs")
        }
        limit.rlim_cur = wanted
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw FloodSetupError("setrlimit: \(errno)") }
    }

    /// An idle TCP socket connecting to 127.0.0.1:`port` without waiting (a flood does not wait
    /// for the server to accept); nil when the connect failed outright.
    static func idleSocket(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 || errno == EINPROGRESS else { close(fd); return nil }
        return fd
    }

    @Test func fifteenHundredIdleConnectionsLeaveHealthzAndPredictAnswering() async throws {
        try Self.raiseDescriptorLimit(to: 4_096)
        let plane = try FakeControlPlane()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, maxConnections: 256, idleTimeoutSeconds: 2)
        let app = makeServerApplication(controlPlane: plane, configuration: configuration, logger: Logger(label: "flood-test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // Every socket connects (into the listen backlog while the server is at its limit) and stays idle.
            var sockets: [Int32] = []
            defer { for fd in sockets { close(fd) } }
            for _ in 0..<Self.idleConnections {
                if let fd = Self.idleSocket(port: port) { sockets.append(fd) }
            }
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
            for fd in sockets { close(fd) }
            sockets = []
            var pending = Self.pendingConnections(port: port)
            for _ in 0..<1_200 where pending > 0 {
                try await Task.sleep(for: .milliseconds(100))
                pending = Self.pendingConnections(port: port)
            }
            #expect(pending == 0, "\(pending) connections still queued or open at the server")
        }
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

/// The test machine cannot give this test the descriptors it needs.
private struct FloodSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
