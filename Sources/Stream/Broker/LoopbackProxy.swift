import Threads
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Forwards TCP connections from a fixed loopback port to another loopback port,
/// byte for byte. Gives the mock cluster a stable bootstrap address (see `EmbeddedBroker`).
final class LoopbackProxy: @unchecked Sendable {
    let listenPort: UInt16
    private let targetPort: UInt16
    private let listener: Int32
    private let stopped = Locked(false)

    /// - Throws: `POSIXError` when the port cannot be bound (e.g. in use).
    init(listenPort: UInt16, targetPort: UInt16) throws {
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var addr = LoopbackProxy.loopback(port: listenPort)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EADDRINUSE)
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.listenPort = UInt16(bigEndian: actual.sin_port)
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "streamlora.broker.proxy"
        thread.start()
    }

    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = LoopbackProxy.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard upstream >= 0, connected == 0 else {
                close(client)
                if upstream >= 0 { close(upstream) }
                continue
            }
            let thread = Thread { LoopbackProxy.pump(client, upstream) }
            thread.name = "streamlora.broker.proxy.conn"
            thread.start()
        }
    }

    /// Copies bytes both ways until either side closes.
    private static func pump(_ a: Int32, _ b: Int32) {
        defer { close(a); close(b) }
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, 1_000)
            if ready < 0 { if errno == EINTR { continue } else { return } }
            for (from, to) in [(0, 1), (1, 0)] where fds[from].revents != 0 {
                let n = read(fds[from].fd, &buffer, buffer.count)
                if n <= 0 { return }
                var sent = 0
                while sent < n {
                    let w = buffer.withUnsafeBytes { send(fds[to].fd, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                    if w <= 0 { return }
                    sent += w
                }
            }
        }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return addr
    }
}
