#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An advisory `flock(2)` lock on a file, held until `release()` or deinit.
///
/// flock locks belong to the open file description, so two registry instances in one process
/// exclude each other just like two processes do, and the kernel drops the lock when a holder dies
/// (kill -9 included) — no stale lock files to clean up. Waiting polls with a deadline instead of
/// blocking forever, so an operator gets an answer ("held by pid 4242") rather than a hang.
/// Waiting blocks the calling thread: call from a dedicated thread, not Swift's cooperative pool.
final class FileLock {
    let path: String
    private var fd: Int32
    private let exclusive: Bool

    private init(path: String, fd: Int32, exclusive: Bool) {
        self.path = path
        self.fd = fd
        self.exclusive = exclusive
    }

    deinit { release() }

    /// Takes the lock, polling every 10 ms for up to `timeout` seconds (0 = try once).
    /// - Throws: `RegistryError.lockHeld` naming the holder recorded in the file, or `.io`.
    static func acquire(at url: URL, exclusive: Bool, timeout: Double) throws -> FileLock {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError.io(path: url.path, operation: "open lock file", errno: errno) }
        let start = Date()
        while flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else {
                close(fd)
                throw RegistryError.io(path: url.path, operation: "flock", errno: code)
            }
            let waited = Date().timeIntervalSince(start)
            if waited >= timeout {
                close(fd)
                throw RegistryError.lockHeld(path: url.path, holder: holderDescription(at: url), waitedSeconds: waited)
            }
            usleep(10_000)
        }
        if exclusive { record(fd: fd) }
        return FileLock(path: url.path, fd: fd, exclusive: exclusive)
    }

    /// Releases the lock (idempotent). The holder note is erased first, so a later holder that is not
    /// a registry (e.g. `flock(1)` in a script) is not reported under a stale pid.
    func release() {
        guard fd >= 0 else { return }
        if exclusive { _ = ftruncate(fd, 0) }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    /// Writes "pid N since DATE" into the lock file for the error message of whoever waits next.
    private static func record(fd: Int32) {
        let text = "pid \(getpid()) since \(RegistryJSON.formatDate(Date()))\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    private static func holderDescription(at url: URL) -> String? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty ? nil : line
    }
}
