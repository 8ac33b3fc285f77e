#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The few POSIX steps that make a write survive a crash or power loss: write, fsync the file,
/// rename, fsync the directory that holds the new name.
///
/// fsync goes through `sync` so tests can make it fail; a failed fsync is reported, never retried
/// (after a failed fsync Linux may have dropped the dirty pages and a second fsync "succeeds").
struct DurableFiles: Sendable {
    /// Flushes one open descriptor; returns 0 or an errno.
    var sync: @Sendable (_ fd: Int32, _ path: String) -> Int32

    /// The real thing.
    static let posix = DurableFiles { fd, _ in fsync(fd) == 0 ? 0 : errno }

    /// Creates (or truncates) `url`, writes `data`, fsyncs and closes it. Does not sync the directory.
    func writeFile(_ data: Data, to url: URL) throws {
        try openWriteSync(data, to: url, flags: O_TRUNC, operation: "create")
    }

    /// Appends `data` to `url` (created if missing) and fsyncs; used for journal lines. When the
    /// append created the file, its directory is fsynced too: otherwise a crash could lose the
    /// new name, and with it every line the journal promised was durable.
    func append(_ data: Data, to url: URL) throws {
        let created = access(url.path, F_OK) != 0
        try openWriteSync(data, to: url, flags: O_APPEND, operation: "open for append")
        if created { try syncDirectory(url.deletingLastPathComponent()) }
    }

    /// Opens `url` write-only (created if missing, plus `flags`), writes all of `data`, fsyncs, closes.
    /// `operation` names the open in the error.
    private func openWriteSync(_ data: Data, to url: URL, flags: Int32, operation: String) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError.io(path: url.path, operation: operation, errno: errno) }
        defer { close(fd) }
        try writeAll(fd, data, path: url.path)
        try syncDescriptor(fd, path: url.path)
    }

    /// fsyncs a file someone else wrote (e.g. the safetensors writer) so a checksum is over durable bytes.
    func syncFile(at url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError.io(path: url.path, operation: "open for fsync", errno: errno) }
        defer { close(fd) }
        try syncDescriptor(fd, path: url.path)
    }

    /// fsyncs a directory so the names created, renamed or removed in it are durable.
    func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError.io(path: url.path, operation: "open directory for fsync", errno: errno) }
        defer { close(fd) }
        try syncDescriptor(fd, path: url.path)
    }

    /// Atomically renames (replacing `to` if it is a file); the caller syncs the directory.
    func rename(_ from: URL, to: URL) throws {
        guard systemRename(from.path, to.path) == 0 else {
            throw RegistryError.io(path: from.path, operation: "rename to \(to.lastPathComponent)", errno: errno)
        }
    }

    /// Replaces the contents of `url` all-or-nothing: `<name>.tmp` → fsync → rename → fsync directory.
    /// A crash leaves either the old or the new contents, plus possibly a `.tmp` that readers ignore.
    func replaceAtomically(_ data: Data, at url: URL) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".tmp")
        try writeFile(data, to: temp)
        try rename(temp, to: url)
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Removes the file at `url` and fsyncs its directory, so the removal survives a crash.
    func removeFile(_ url: URL) throws {
        guard unlink(url.path) == 0 else { throw RegistryError.io(path: url.path, operation: "remove", errno: errno) }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Creates a directory (and missing parents), syncing each new one's parent.
    func makeDirectory(_ url: URL) throws {
        var missing: [URL] = []
        var cursor = url
        while !FileManager.default.fileExists(atPath: cursor.path) {
            missing.append(cursor)
            cursor = cursor.deletingLastPathComponent()
        }
        for dir in missing.reversed() {
            guard mkdir(dir.path, 0o755) == 0 || errno == EEXIST else {
                throw RegistryError.io(path: dir.path, operation: "create directory", errno: errno)
            }
            try syncDirectory(dir.deletingLastPathComponent())
        }
    }

    private func syncDescriptor(_ fd: Int32, path: String) throws {
        let code = sync(fd, path)
        guard code == 0 else { throw RegistryError.syncFailed(path: path, errno: code) }
    }

    private func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RegistryError.io(path: path, operation: "write", errno: errno)
                }
                offset += n
            }
        }
    }
}

/// `rename(2)`; a file-scope helper because inside `DurableFiles` the name means the method.
private func systemRename(_ from: String, _ to: String) -> Int32 {
    rename(from, to)
}
