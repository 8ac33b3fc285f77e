import Foundation

/// A memory-mapped safetensors file, validated completely when opened: header JSON,
/// dtypes, and that every tensor's byte range lies inside the data section and matches
/// its shape. A file that fails any check is refused whole, so nothing is half-loaded.
package struct SafeTensorsFile: Sendable {
    /// One tensor's entry in the header.
    package struct Entry: Sendable {
        let dtype: SafeTensorsDType
        let shape: [Int]
        /// Byte range inside the data section.
        let range: Range<Int>
    }

    package let url: URL
    package let metadata: [String: String]
    /// Every entry, including integer tensors.
    package let entries: [String: Entry]
    private let bytes: Data
    private let dataStart: Int

    /// Names of the float tensors, sorted.
    package var names: [String] {
        entries.filter { $0.value.dtype.isFloat }.keys.sorted()
    }

    /// Opens and validates `url`.
    /// - Throws: `SafeTensorsError` naming the file and the offending tensor.
    package init(contentsOf url: URL) throws {
        self.url = url
        let file = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw SafeTensorsError(.unreadable, file: file, detail: "cannot be read (\(error.localizedDescription))")
        }
        guard data.count >= 8 else {
            throw SafeTensorsError(.truncated, file: file, detail: "is \(data.count) bytes, shorter than the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw SafeTensorsError(.truncated, file: file, detail: "header claims \(headerLength) bytes but only \(data.count - 8) follow")
        }
        let start = 8 + Int(headerLength)
        let object: [String: Any]
        do {
            let json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<start))
            guard let dict = json as? [String: Any] else { throw CocoaError(.coderReadCorrupt) }
            object = dict
        } catch {
            throw SafeTensorsError(.badHeader, file: file, detail: "header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        let dataSize = data.count - start
        for (name, value) in object {
            if name == "__metadata__" {
                guard let meta = value as? [String: Any] else {
                    throw SafeTensorsError(.badHeader, file: file, detail: "__metadata__ is not an object")
                }
                for (k, v) in meta {
                    guard let s = v as? String else {
                        throw SafeTensorsError(.badHeader, file: file, detail: "__metadata__.\(k) is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries[name] = try Self.entry(name, value, dataSize: dataSize, file: file)
        }
        self.bytes = data
        self.dataStart = start
        self.metadata = metadata
        self.entries = entries
    }

    private static func entry(_ name: String, _ value: Any, dataSize: Int, file: String) throws -> Entry {
        guard let dict = value as? [String: Any],
              let dtypeName = dict["dtype"] as? String,
              let shapeAny = dict["shape"] as? [Any],
              let offsetsAny = dict["data_offsets"] as? [Any], offsetsAny.count == 2
        else {
            throw SafeTensorsError(.badHeader, file: file, tensor: name, detail: "entry lacks dtype, shape or data_offsets")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw SafeTensorsError(.unknownDType(dtypeName), file: file, tensor: name, detail: "unknown dtype \(dtypeName)")
        }
        let shape = try shapeAny.map { any -> Int in
            guard let n = any as? Int, n >= 0 else {
                throw SafeTensorsError(.badHeader, file: file, tensor: name, detail: "shape \(shapeAny) is not a list of non-negative integers")
            }
            return n
        }
        guard let begin = offsetsAny[0] as? Int, let end = offsetsAny[1] as? Int,
              begin >= 0, begin <= end, end <= dataSize
        else {
            throw SafeTensorsError(.offsetsOutOfRange, file: file, tensor: name,
                                   detail: "data_offsets \(offsetsAny) lie outside the \(dataSize)-byte data section")
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, n in
            let (p, o) = acc.0.multipliedReportingOverflow(by: n)
            return (p, acc.1 || o)
        }
        guard !overflow, count * dtype.size == end - begin else {
            throw SafeTensorsError(.offsetsOutOfRange, file: file, tensor: name,
                                   detail: "\(end - begin) bytes do not hold shape \(shape) of \(dtype.rawValue)")
        }
        return Entry(dtype: dtype, shape: shape, range: begin..<end)
    }

    /// The shape of a tensor, or nil when there is none by that name.
    package func shape(of name: String) -> [Int]? {
        entries[name]?.shape
    }

    /// The values of a float tensor, widened to `Float`.
    /// - Parameter shape: when given, the shape the tensor must have.
    /// - Throws: `SafeTensorsError` when the tensor is missing, not a float tensor, or of another shape.
    package func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let entry = entries[name] else {
            throw SafeTensorsError(.missingTensor, file: url.path, tensor: name, detail: "no such tensor")
        }
        guard entry.dtype.isFloat else {
            throw SafeTensorsError(.notFloat(entry.dtype.rawValue), file: url.path, tensor: name,
                                   detail: "is \(entry.dtype.rawValue), not a float tensor")
        }
        if let expected, expected != entry.shape {
            throw SafeTensorsError(.wrongShape(expected: expected, actual: entry.shape), file: url.path, tensor: name,
                                   detail: "has shape \(entry.shape), expected \(expected)")
        }
        return decode(entry)
    }

    /// Loads several tensors at once; either all load with their expected shapes or none does.
    package func load(_ specs: [String: [Int]]) throws -> [String: [Float]] {
        for (name, shape) in specs.sorted(by: { $0.key < $1.key }) {
            guard let entry = entries[name] else {
                throw SafeTensorsError(.missingTensor, file: url.path, tensor: name, detail: "no such tensor")
            }
            guard entry.dtype.isFloat else {
                throw SafeTensorsError(.notFloat(entry.dtype.rawValue), file: url.path, tensor: name,
                                       detail: "is \(entry.dtype.rawValue), not a float tensor")
            }
            guard entry.shape == shape else {
                throw SafeTensorsError(.wrongShape(expected: shape, actual: entry.shape), file: url.path, tensor: name,
                                       detail: "has shape \(entry.shape), expected \(shape)")
            }
        }
        return specs.reduce(into: [:]) { out, spec in out[spec.key] = decode(entries[spec.key]!) }
    }

    /// Every float tensor in the file, sorted by name.
    package func all() -> [NamedTensor] {
        names.map { NamedTensor(name: $0, shape: entries[$0]!.shape, data: decode(entries[$0]!)) }
    }

    private func decode(_ entry: Entry) -> [Float] {
        let count = entry.range.count / entry.dtype.size
        let offset = dataStart + entry.range.lowerBound
        return bytes.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                let base = raw.baseAddress! + offset
                switch entry.dtype {
                case .f32:
                    for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case .f64:
                    for i in 0..<count { out[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
                case .f16:
                    for i in 0..<count { out[i] = halfToFloat(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
                case .bf16:
                    for i in 0..<count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
                default:
                    preconditionFailure("decode called for non-float dtype")
                }
                initialized = count
            }
        }
    }
}

/// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included).
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int((h >> 10) & 0x1F)
    let mantissa = UInt32(h & 0x3FF)
    switch exponent {
    case 0:
        // Zero or subnormal: mantissa · 2^-24.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 31:
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
