// TEMPORARY: stands in for Model's SafeTensors (owned by the integrator, lands on main ~04:50 UTC)
// with the announced API so the registry compiles and its tests run before the merge.
// Deleted when main is merged.
import Foundation

public struct NamedTensor: Sendable {
    public var name: String
    public var shape: [Int]
    public var data: [Float]
    public init(name: String, shape: [Int], data: [Float]) {
        self.name = name
        self.shape = shape
        self.data = data
    }
}

public struct SafeTensorsError: Error, CustomStringConvertible {
    public var description: String
}

public struct SafeTensorsFile: Sendable {
    private let entries: [String: (shape: [Int], start: Int, end: Int)]
    private let body: Data
    public let metadata: [String: String]

    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path), data.count >= 8 else {
            throw SafeTensorsError(description: "\(url.path): cannot read")
        }
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard 8 + n <= data.count, let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any]
        else { throw SafeTensorsError(description: "\(url.path): bad header") }
        var entries: [String: (shape: [Int], start: Int, end: Int)] = [:]
        var metadata: [String: String] = [:]
        for (k, v) in header {
            if k == "__metadata__" { metadata = v as? [String: String] ?? [:]; continue }
            guard let d = v as? [String: Any], let shape = d["shape"] as? [Int], let offs = d["data_offsets"] as? [Int],
                d["dtype"] as? String == "F32"
            else { throw SafeTensorsError(description: "\(url.path): tensor \(k): bad entry") }
            entries[k] = (shape, offs[0], offs[1])
        }
        self.entries = entries
        self.metadata = metadata
        self.body = data.subdata(in: (8 + n)..<data.count)
    }

    public var names: [String] { entries.keys.sorted() }
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        guard let e = entries[name] else { throw SafeTensorsError(description: "no tensor \(name)") }
        if let shape, shape != e.shape { throw SafeTensorsError(description: "tensor \(name): shape \(e.shape) != \(shape)") }
        guard e.end <= body.count else { throw SafeTensorsError(description: "tensor \(name): out of bounds") }
        let count = e.shape.reduce(1, *)
        guard (e.end - e.start) == count * 4 else { throw SafeTensorsError(description: "tensor \(name): size") }
        return body.subdata(in: e.start..<e.end).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    public func load(_ specs: [String: [Int]]) throws -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (k, s) in specs { out[k] = try floats(k, shape: s) }
        return out
    }
}

public enum SafeTensorsWriter {
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var body = Data()
        for t in tensors.sorted(by: { $0.name < $1.name }) {
            let start = body.count
            t.data.withUnsafeBytes { body.append(contentsOf: $0) }
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [start, body.count]] as [String: Any]
        }
        var h = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while h.count % 8 != 0 { h.append(0x20) }
        var out = Data()
        var n = UInt64(h.count)
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(h)
        out.append(body)
        try out.write(to: url)
    }
}
