import API
import Foundation
import Hummingbird

extension Request {
    /// Reads the body (at most `limit` bytes) and decodes it as `T`.
    /// - Parameters:
    ///   - whenEmpty: the value for an empty body; nil makes an empty body an error.
    /// - Throws: `ControlPlaneError.badRequest` naming the field for any decoding problem;
    ///   `BodyTooLarge` past `limit`.
    func decodeJSONBody<T: Decodable>(_ type: T.Type, limit: Int, whenEmpty: T? = nil) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            // NIO's "too many bytes" error; Hummingbird gives it this status.
            throw BodyTooLarge(limit: limit)
        }
        if buffer.readableBytes == 0 || buffer.readableBytesView.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            if let whenEmpty { return whenEmpty }
            throw ControlPlaneError.badRequest("request body is empty; expected a JSON object")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw ControlPlaneError.badRequest(Self.describe(error))
        }
    }

    /// A client-facing sentence for a decoding failure, naming the field (`texts[2]`).
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : "." + key.stringValue }
            }
            return out
        }
        switch error {
        case .typeMismatch(_, let ctx) where ctx.codingPath.isEmpty:
            return "request body must be a JSON object"
        case .typeMismatch(let type, let ctx):
            return "field '\(path(ctx.codingPath))' must be \(Self.jsonKind(of: type))"
        case .valueNotFound(let type, let ctx):
            return "field '\(path(ctx.codingPath))' must be \(Self.jsonKind(of: type)), not null"
        case .keyNotFound(let key, let ctx):
            return "missing field '\(path(ctx.codingPath + [key]))'"
        case .dataCorrupted(let ctx) where ctx.codingPath.isEmpty:
            let detail = ctx.underlyingError.map { ": \($0)" } ?? ""
            return "request body is not valid JSON\(detail)"
        case .dataCorrupted(let ctx):
            return "field '\(path(ctx.codingPath))' is invalid: \(ctx.debugDescription)"
        @unknown default:
            return "request body could not be decoded: \(error)"
        }
    }

    private static func jsonKind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [String].Type: "an array of strings"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

/// The body exceeded the configured limit (answered with 413).
struct BodyTooLarge: Error, CustomStringConvertible {
    let limit: Int
    var description: String { "request body is larger than \(limit) bytes" }
}
