import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A flood of idle TCP connections, the control plane's hostile input: sockets that connect and
/// never send a request. Shared by the in-process server tests and the `serve` process tests.
package enum IdleConnections {
    /// Raises this process's soft descriptor limit so it can hold the flood's client sockets
    /// (children started afterwards inherit it).
    /// - Throws: when the hard limit is below `wanted`.
    package static func raiseDescriptorLimit(to wanted: rlim_t) throws {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw SetupError("getrlimit: \(errno)") }
        guard limit.rlim_cur < wanted else { return }
        guard limit.rlim_max >= wanted else {
            throw SetupError("RLIMIT_NOFILE hard limit \(limit.rlim_max) is below the \(wanted) this test needs")
        }
        limit.rlim_cur = wanted
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw SetupError("setrlimit: \(errno)") }
    }

    /// An idle TCP socket connecting to 127.0.0.1:`port` without waiting (a flood does not wait
    /// for the server to accept); nil when the connect failed outright.
    package static func open(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 || errno == EINPROGRESS else { Glibc.close(fd); return nil }
        return fd
    }

    /// `count` idle sockets to `port` (fewer only if connects fail outright).
    package static func open(_ count: Int, port: Int) -> [Int32] {
        (0..<count).compactMap { _ in open(port: port) }
    }

    /// Closes every socket.
    package static func close(_ sockets: [Int32]) {
        for fd in sockets { Glibc.close(fd) }
    }

    /// Descriptors process `pid` holds (entries of /proc/PID/fd).
    package static func descriptorsHeld(by pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count ?? 0
    }

    /// Sockets process `pid` holds (entries of /proc/PID/fd that link to `socket:[…]`).
    package static func socketsHeld(by pid: Int32) -> Int {
        let directory = "/proc/\(pid)/fd"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var count = 0
        var buffer = [CChar](repeating: 0, count: 64)
        for entry in entries {
            let n = readlink("\(directory)/\(entry)", &buffer, buffer.count - 1)
            guard n > 0 else { continue }
            if String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix("socket:") { count += 1 }
        }
        return count
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
