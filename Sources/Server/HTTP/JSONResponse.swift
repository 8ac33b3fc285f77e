import Foundation
import Hummingbird

/// Builds JSON responses the same way on every route.
enum JSONResponse {
    /// Sorted keys make the output stable for scripts and diffs; ISO-8601 dates; a non-finite
    /// number (a NaN loss from a diverging adapter) is written as a string rather than failing
    /// the whole status page.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// A response with `value` as JSON.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try makeEncoder().encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"error": message}` with `status`.
    static func error(_ message: String, status: HTTPResponse.Status, headers extra: HTTPFields = [:]) -> Response {
        // Encoding a single string cannot fail; fall back to a fixed body just in case.
        var response = (try? make(ErrorBody(error: message), status: status))
            ?? Response(status: status, body: .init(byteBuffer: ByteBuffer(string: #"{"error":"internal error"}"#)))
        response.headers.append(contentsOf: extra)
        return response
    }

    /// A plain-text response.
    static func text(_ body: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The body of every error answer.
struct ErrorBody: Codable, Equatable {
    var error: String
}
