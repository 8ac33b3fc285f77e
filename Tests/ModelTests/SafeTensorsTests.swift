import Foundation
import Testing
@testable import Model

@Suite struct SafeTensorsTests {
    static let expected: [Float] = [-1.0, -0.5, 0.0, 0.5, 1.0, 63.5]

    static func fixture() throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/safetensors_reference", withExtension: "safetensors"))
    }

    static func temporaryFile(_ name: String = "t.safetensors") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    /// Writes `header` (raw JSON) and `data` bytes as a safetensors file.
    static func rawFile(header: String, data: [UInt8] = [], claimedLength: UInt64? = nil) throws -> URL {
        let url = try temporaryFile()
        var bytes = [UInt8]()
        withUnsafeBytes(of: (claimedLength ?? UInt64(header.utf8.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += Array(header.utf8) + data
        try Data(bytes).write(to: url)
        return url
    }

    @Test(arguments: ["f32", "f16", "bf16", "f64"])
    func readsReferenceFloatTypes(name: String) throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixture())
        #expect(try file.floats(name, shape: [2, 3]) == Self.expected)
    }

    @Test func readsSubnormalHalvesScalarsAndMetadata() throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixture())
        #expect(try file.floats("f16_subnormal") == [0x1p-24, -0x1p-20, 0x1p-14])
        #expect(try file.floats("scalar", shape: []) == [3.25])
        #expect(file.metadata == ["format": "pt"])
    }

    @Test func integerTensorsAreListedButNotLoaded() throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixture())
        #expect(!file.names.contains("position_ids"))
        #expect(file.shape(of: "position_ids") == [1, 4])
        let error = #expect(throws: SafeTensorsError.self) { try file.floats("position_ids") }
        #expect(error?.kind == .notFloat("I64"))
    }

    @Test func roundTripsThroughTheWriter() throws {
        let url = try Self.temporaryFile()
        let tensors = [
            NamedTensor(name: "b.weight", shape: [2, 2], data: [1, -2, .pi, 1e-30]),
            NamedTensor(name: "a.bias", shape: [3], data: [0, .greatestFiniteMagnitude, -0.0]),
        ]
        try SafeTensorsWriter.write(tensors, metadata: ["created_by": "test"], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names == ["a.bias", "b.weight"])
        #expect(file.all() == tensors.sorted { $0.name < $1.name })
        #expect(file.metadata == ["created_by": "test"])
        // The data section starts 8-byte aligned, as the reference writer requires of itself.
        let headerLength = try Data(contentsOf: url).prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect((8 + headerLength) % 8 == 0)
    }

    @Test func loadIsAllOrNothing() throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixture())
        let ok = try file.load(["f32": [2, 3], "f16": [2, 3]])
        #expect(ok["f16"] == Self.expected)
        let error = #expect(throws: SafeTensorsError.self) { try file.load(["f32": [2, 3], "bf16": [3, 2]]) }
        #expect(error?.kind == .wrongShape(expected: [3, 2], actual: [2, 3]))
        #expect(error?.tensor == "bf16")
        #expect(error?.description.contains("safetensors_reference.safetensors") == true)
    }

    @Test func missingTensorIsNamed() throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixture())
        let error = #expect(throws: SafeTensorsError.self) { try file.load(["f32": [2, 3], "pooler.dense.weight": [4, 4]]) }
        #expect(error?.kind == .missingTensor)
        #expect(error?.description.contains("'pooler.dense.weight'") == true)
    }

    @Test func truncatedFilesAreRefused() throws {
        let bytes = try Data(contentsOf: Self.fixture())
        for cut in [0, 5, 8, 20, bytes.count - 1] {
            let url = try Self.temporaryFile()
            try bytes.prefix(cut).write(to: url)
            let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
            #expect(error?.file == url.path)
            let kinds: [SafeTensorsError.Kind] = [.truncated, .offsetsOutOfRange, .badHeader]
            #expect(kinds.contains(error?.kind ?? .unreadable), "cut at \(cut): \(String(describing: error))")
        }
    }

    @Test func badHeaderJSONIsRefused() throws {
        let url = try Self.rawFile(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]"#, data: [0, 0, 0, 0])
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
        #expect(error?.kind == .badHeader)
    }

    @Test func headerLengthBeyondFileIsRefused() throws {
        let url = try Self.rawFile(header: "{}", claimedLength: 1 << 40)
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
        #expect(error?.kind == .truncated)
    }

    @Test func offsetsOutOfRangeAreRefused() throws {
        let url = try Self.rawFile(header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0])
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
        #expect(error?.kind == .offsetsOutOfRange)
        #expect(error?.tensor == "w")
    }

    @Test func sizeNotMatchingShapeIsRefused() throws {
        let url = try Self.rawFile(header: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8))
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
        #expect(error?.kind == .offsetsOutOfRange)
    }

    @Test func unknownDTypeIsRefused() throws {
        let url = try Self.rawFile(header: #"{"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}"#, data: [0])
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
        #expect(error?.kind == .unknownDType("F8_E4M3"))
        #expect(error?.description.contains("'w'") == true)
    }

    @Test func writeToMissingDirectoryFailsClearly() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.safetensors")
        let error = #expect(throws: SafeTensorsError.self) {
            try SafeTensorsWriter.write([NamedTensor(name: "x", shape: [1], data: [1])], to: url)
        }
        #expect(error?.kind == .writeFailed)
    }

    @Test func halfConversionMatchesFloat16() {
        // Every finite and special binary16 bit pattern against Swift's own Float16 widening.
        for bits in UInt16.min...UInt16.max {
            let ours = halfToFloat(bits)
            let reference = Float(Float16(bitPattern: bits))
            #expect(ours.bitPattern == reference.bitPattern || (ours.isNaN && reference.isNaN))
        }
    }
}
