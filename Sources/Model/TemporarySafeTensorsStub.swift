// TEMPORARY (untracked): stand-in for the integrator's Sources/Model/SafeTensors until main lands.
import Foundation

public struct NamedTensor: Sendable {
    public var name: String; public var shape: [Int]; public var data: [Float]
    public init(name: String, shape: [Int], data: [Float]) { self.name = name; self.shape = shape; self.data = data }
}
public struct SafeTensorsError: Error, CustomStringConvertible { public var description: String }
public struct SafeTensorsFile: Sendable {
    private let tensors: [String: ([Int], [Float])]
    public let metadata: [String: String]
    public init(contentsOf url: URL) throws {
        let d = try Data(contentsOf: url)
        let n = d.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let header = try JSONSerialization.jsonObject(with: d.subdata(in: 8..<(8 + Int(n)))) as! [String: Any]
        var t: [String: ([Int], [Float])] = [:]
        var meta: [String: String] = [:]
        for (k, v) in header {
            if k == "__metadata__" { meta = v as? [String: String] ?? [:]; continue }
            let e = v as! [String: Any]
            guard e["dtype"] as? String == "F32" else { continue }
            let shape = e["shape"] as! [Int]; let off = e["data_offsets"] as! [Int]
            let bytes = d.subdata(in: (8 + Int(n) + off[0])..<(8 + Int(n) + off[1]))
            t[k] = (shape, bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        }
        tensors = t; metadata = meta
    }
    public var names: [String] { tensors.keys.sorted() }
    public func shape(of name: String) -> [Int]? { tensors[name]?.0 }
    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        guard let t = tensors[name] else { throw SafeTensorsError(description: "missing \(name)") }
        if let shape, shape != t.0 { throw SafeTensorsError(description: "shape \(name) \(t.0) != \(shape)") }
        return t.1
    }
}
public enum SafeTensorsWriter {
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]; var off = 0; var body = Data()
        for t in tensors { header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [off, off + 4 * t.data.count]]; off += 4 * t.data.count
            t.data.withUnsafeBytes { body.append(contentsOf: $0) } }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        let h = try JSONSerialization.data(withJSONObject: header)
        var out = Data(); var n = UInt64(h.count); withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }; out.append(h); out.append(body)
        try out.write(to: url)
    }
}
