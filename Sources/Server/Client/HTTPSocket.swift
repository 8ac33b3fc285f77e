#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking TCP connection for a single HTTP/1.1 exchange (`Connection: close`).
///
/// Plain POSIX sockets rather than an HTTP client package: the CLI asks a handful of small JSON
/// questions, and async-http-client would add minutes of build time for it. The socket is
/// non-blocking underneath so every phase (connect, send, receive) waits in `poll` with the
/// time left before `deadline`; a stalled agent can never hang the caller.
///
/// Every call blocks: run it off Swift's cooperative pool (`ControlPlaneClient` does).
struct HTTPSocket: ~Copyable {
    private let descriptor: Int32
    private let deadline: ContinuousClock.Instant

    /// Resolves `host` and connects to the first address that accepts.
    /// - Throws: `SocketFailure` — `.refused` only when every address refused.
    init(host: String, port: Int, deadline: ContinuousClock.Instant) throws(SocketFailure) {
        self.deadline = deadline
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .unresolved(host: host, detail: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }

        var lastFailure = SocketFailure.unresolved(host: host, detail: "no addresses")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            do {
                descriptor = try Self.openConnection(info.pointee, deadline: deadline)
                return
            } catch {
                // Remember the most telling failure: a refusal outranks the generic ones.
                if case .refused = lastFailure {} else { lastFailure = error }
            }
        }
        throw lastFailure
    }

    deinit { close(descriptor) }

    /// Writes all of `bytes`.
    func sendAll(_ bytes: [UInt8]) throws(SocketFailure) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), phase: "sending the request")
            let written = bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + offset, raw.count - offset, noSignal)
            }
            if written < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                throw .system(call: "send", errno: errno)
            }
            offset += written
        }
    }

    /// Reads until `isComplete` says the bytes so far hold a whole response, or the peer closes.
    /// - Parameters:
    ///   - limit: the most bytes accepted; a larger answer is an error rather than a memory hog.
    ///   - isComplete: called after every read with everything received so far.
    /// - Returns: the bytes and whether the peer closed the connection.
    func receive(limit: Int, isComplete: ([UInt8]) throws -> Bool) throws -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            try wait(for: Int16(POLLIN), phase: "waiting for the response")
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                throw SocketFailure.system(call: "recv", errno: errno)
            }
            if count == 0 { return (received, true) }
            received.append(contentsOf: chunk[..<count])
            guard received.count <= limit else { throw SocketFailure.tooLarge(limit: limit) }
            if try isComplete(received) { return (received, false) }
        }
    }

    /// Polls for `events` until the deadline.
    private func wait(for events: Int16, phase: String) throws(SocketFailure) {
        try Self.waitReady(descriptor, events: events, deadline: deadline, phase: phase)
    }

    private static func waitReady(_ descriptor: Int32, events: Int16, deadline: ContinuousClock.Instant,
                             phase: String) throws(SocketFailure) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .timedOut(phase: phase) }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw .system(call: "poll", errno: errno) }
        }
    }

    /// A non-blocking socket connected to `info`'s address within the deadline.
    private static func openConnection(_ info: addrinfo, deadline: ContinuousClock.Instant) throws(SocketFailure) -> Int32 {
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        do throws(SocketFailure) {
            let flags = fcntl(fd, F_GETFL, 0)
            guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
                throw SocketFailure.system(call: "fcntl", errno: errno)
            }
            #if canImport(Darwin)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            if connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
                guard errno == EINPROGRESS || errno == EINTR else { throw SocketFailure.connecting(errno: errno) }
                try waitReady(fd, events: Int16(POLLOUT), deadline: deadline, phase: "connecting")
                var failure: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 else {
                    throw SocketFailure.system(call: "getsockopt", errno: errno)
                }
                if failure != 0 { throw SocketFailure.connecting(errno: failure) }
            }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }
}

/// What went wrong below HTTP; `ControlPlaneClient` turns it into a `ControlPlaneClientError`
/// naming the URL.
enum SocketFailure: Error, Equatable {
    case unresolved(host: String, detail: String)
    case refused
    case timedOut(phase: String)
    case system(call: String, errno: Int32)
    case tooLarge(limit: Int)

    /// A failed `connect`: ECONNREFUSED becomes `.refused` so callers match one case.
    static func connecting(errno code: Int32) -> SocketFailure {
        code == ECONNREFUSED ? .refused : .system(call: "connect", errno: code)
    }
}

/// The text of an `errno` value.
func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// `send` flags: no SIGPIPE when the agent hangs up mid-request (Darwin sets `SO_NOSIGPIPE`).
#if os(Linux)
private let noSignal = Int32(MSG_NOSIGNAL)
#else
private let noSignal: Int32 = 0
#endif
