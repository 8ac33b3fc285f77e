#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Connections may never take the process's last file descriptors.
///
/// Running out is not an error the agent could handle where it happens: besides snapshots that
/// fail to open their files, libdispatch (under Swift's cooperative pool on Linux) opens
/// `/proc/<tid>/stat` of its worker threads once a second while work is queued, and traps
/// (SIGILL, "workq: registered worker exited prematurely") when that open fails. So the limit on
/// open connections is lowered until a share of the descriptors stays free for the registry,
/// Kafka and the runtime.
extension ConnectionGate {
    /// Descriptors kept out of the connections' reach: a quarter of the limit, at least 128 (a
    /// serving, learning agent holds about 50 besides its connections: model and registry files
    /// while snapshotting, Kafka sockets, event loops' epoll and eventfds).
    package static func reservedDescriptors(descriptorLimit: Int) -> Int {
        max(128, descriptorLimit / 4)
    }

    /// The connection limit that leaves ``reservedDescriptors(descriptorLimit:)`` free: `requested`,
    /// lowered when the descriptor limit is too small for it (at least 1: a control plane that
    /// accepts nothing is no control plane).
    /// - Parameters:
    ///   - requested: the configured limit (`server.max_connections`).
    ///   - descriptorLimit: the process's `RLIMIT_NOFILE` soft limit; nil when unlimited.
    package static func connectionLimit(requested: Int, descriptorLimit: Int?) -> Int {
        guard let descriptorLimit else { return requested }
        return max(1, min(requested, descriptorLimit - reservedDescriptors(descriptorLimit: descriptorLimit)))
    }

    /// This process's soft `RLIMIT_NOFILE` (what `open` and `accept` are held to); nil when
    /// unlimited or unknown.
    package static func processDescriptorLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }
}
