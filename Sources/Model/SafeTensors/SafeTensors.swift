import Foundation

/// A named float tensor as stored in a safetensors file: row-major `data` of `shape`.
package struct NamedTensor: Sendable, Equatable {
    package var name: String
    package var shape: [Int]
    package var data: [Float]

    package init(name: String, shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "\(name): shape \(shape) does not hold \(data.count) values")
        self.name = name
        self.shape = shape
        self.data = data
    }
}

/// Element types of the safetensors format. Float types are widened to `Float`;
/// integer and bool tensors (such as BERT's `position_ids`) are listed but not loadable.
enum SafeTensorsDType: String, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    var size: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// Whether the tensor holds floating-point values that load as `Float`.
    var isFloat: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        default: false
        }
    }
}

/// Everything that can be wrong with a safetensors file, each naming the file and, where
/// there is one, the tensor.
struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    enum Kind: Sendable, Equatable {
        case unreadable
        case truncated
        case badHeader
        case unknownDType(String)
        case offsetsOutOfRange
        case missingTensor
        case wrongShape(expected: [Int], actual: [Int])
        case notFloat(String)
        case writeFailed
    }

    let kind: Kind
    let file: String
    let tensor: String?
    let detail: String

    init(_ kind: Kind, file: String, tensor: String? = nil, detail: String) {
        self.kind = kind
        self.file = file
        self.tensor = tensor
        self.detail = detail
    }

    var description: String {
        var s = "safetensors file \(file)"
        if let tensor { s += ", tensor '\(tensor)'" }
        return s + ": " + detail
    }
}
