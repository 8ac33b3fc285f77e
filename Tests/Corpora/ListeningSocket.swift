import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound to a port the OS picked on 127.0.0.1 (listening unless asked not to), held
/// while the value lives. Shared by the server tests (a peer that never answers) and the agent
/// tests (a port that is taken, a port nobody listens on).
package final class ListeningSocket: Sendable {
    package let fd: Int32
    package let port: Int

    /// - Throws: when the socket cannot be bound (or listened on).
    package init(listen shouldListen: Bool = true) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw IdleConnections.SetupError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && (!shouldListen || listen(fd, 4) == 0) && getsockname(fd, sa, &length) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            throw IdleConnections.SetupError("cannot bind a socket on 127.0.0.1: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Glibc.close(fd) }
}

/// A TCP port nobody listened on a moment ago (the OS picked it): a refused connection, or a
/// port for a server that cannot report the one it bound.
package func freeTCPPort() throws -> Int {
    try ListeningSocket(listen: false).port
}
