import Foundation

// SHA-256 lives in its own small target so the Stream module (dead letters carry the sha256 of a
// truncated value) and the registry (file checksums) share one implementation; code that imports
// Registry keeps seeing `SHA256` as before.
@_exported import Checksum

extension SHA256 {
    /// Lower-case hex digest and size of a file, read in 1 MiB chunks.
    /// - Throws: `RegistryError.io` naming the file.
    package static func hex(ofFileAt url: URL) throws -> (sha256: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw RegistryError.io(path: url.path, operation: "open for checksum", errno: errno)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw RegistryError.io(path: url.path, operation: "read for checksum: \(error)", errno: 0)
            }
            if chunk.isEmpty { break }
            total += chunk.count
            hasher.update(chunk)
        }
        return (hexString(hasher.finalize()), total)
    }

}
