import Foundation

/// The sd_notify protocol without libsystemd: one datagram to the AF_UNIX socket named by
/// `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). Without the variable (not
/// started by systemd with `Type=notify`) every call does nothing.
package enum SystemdNotify {
    /// Tells the service manager that start-up finished: model loaded, HTTP listening, consuming.
    package static func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    /// Tells the service manager that a graceful stop began (the final snapshot may take a while).
    package static func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }

    /// Sends `message`; failures are ignored (notification is advisory, the agent runs regardless).
    /// - Returns: whether a datagram was sent.
    @discardableResult
    package static func send(_ message: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                sendto(fd, payload, payload.count, 0, sa, length)
            }
        }
        return sent == payload.count
    }
}
