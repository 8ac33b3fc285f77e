import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes F32 safetensors files that PyTorch's `safetensors` reads.
package enum SafeTensorsWriter {
    /// Writes `tensors` to `url` (replacing it) and fsyncs the file before returning.
    /// Making the write atomic (temp file + rename + directory fsync) is the caller's job.
    /// - Throws: `SafeTensorsError` with kind `.writeFailed` naming the file; a failed
    ///   fsync is reported, never retried.
    package static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to url: URL) throws {
        let bytes = try encode(tensors, metadata: metadata, file: url.path)
        try FileIO.writeAndSync(bytes, to: url)
    }

    /// The complete file contents for `tensors`, in name order.
    package static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:], file: String = "<memory>") throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let sorted = tensors.sorted { $0.name < $1.name }
        for t in sorted {
            guard header[t.name] == nil else {
                throw SafeTensorsError(.badHeader, file: file, tensor: t.name, detail: "tensor name given twice")
            }
            let size = t.data.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }

        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for t in sorted {
            t.data.withUnsafeBufferPointer { buf in
                for v in buf { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
        }
        return out
    }
}

/// Small POSIX file helpers with honest error reporting (fsync failures surface, never retried).
enum FileIO {
    /// Creates or truncates `url`, writes all of `bytes`, fsyncs and closes it.
    static func writeAndSync(_ bytes: [UInt8], to url: URL) throws {
        let path = url.path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "open") }
        var ok = false
        defer { if !ok { close(fd) } }
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, "write")
                }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw failure(path, "fsync") }
        ok = true
        guard close(fd) == 0 else { throw failure(path, "close") }
    }

    /// fsyncs a directory so that renames and creations inside it are durable.
    static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(url.path, "open directory") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure(url.path, "fsync directory") }
    }

    private static func failure(_ path: String, _ what: String) -> SafeTensorsError {
        SafeTensorsError(.writeFailed, file: path, detail: "\(what) failed: \(String(cString: strerror(errno)))")
    }
}
