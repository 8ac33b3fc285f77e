/// An HTTP answer as the control-plane client received it: status, headers and the decoded body
/// (chunked transfer coding already removed).
package struct ControlPlaneHTTPResponse: Sendable, Equatable {
    /// e.g. 200, 404.
    package var status: Int
    /// The reason phrase of the status line, e.g. `Not Found` (may be empty).
    package var reason: String
    /// Header fields in arrival order; names as sent.
    var headers: [(name: String, value: String)]
    package var body: [UInt8]

    init(status: Int, reason: String = "", headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared case-insensitively.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    package var text: String { String(decoding: body, as: UTF8.self) }

    /// Whether the status is 2xx.
    var isSuccess: Bool { (200..<300).contains(status) }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.reason == rhs.reason && lhs.body == rhs.body
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// Parses an HTTP/1.1 response from the bytes received so far.
///
/// The body is delimited by `Transfer-Encoding: chunked`, else `Content-Length`, else the end of
/// the connection (RFC 9112 §6.3). Called after every read, so it must tell "not yet" (nil)
/// apart from "never" (a thrown `HTTPParseError`).
enum HTTPResponseParser {
    /// - Parameters:
    ///   - bytes: everything received so far.
    ///   - atEOF: whether the peer closed the connection (no more bytes will come).
    ///   - isHeadRequest: a response to HEAD has no body whatever its headers say.
    /// - Returns: the response, or nil when more bytes are needed.
    /// - Throws: `HTTPParseError` for a malformed response, or one that ended early.
    static func parse(_ bytes: [UInt8], atEOF: Bool, isHeadRequest: Bool = false) throws(HTTPParseError) -> ControlPlaneHTTPResponse? {
        guard let headerEnd = find(crlfcrlf, in: bytes, from: 0) else {
            if atEOF {
                throw bytes.isEmpty ? .message("the connection closed without an answer")
                    : .message("the connection closed inside the response headers")
            }
            return nil
        }
        let head = String(decoding: bytes[..<headerEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw .message("not an HTTP/1.x status line: '\(statusLine.prefix(80))'")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw .message("malformed header line '\(line.prefix(80))'")
            }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces))
        }
        var response = ControlPlaneHTTPResponse(status: status, reason: parts.count > 2 ? String(parts[2]) : "",
                                                headers: headers)
        let bodyStart = headerEnd + 4
        // 1xx, 204 and 304 never carry a body (RFC 9112 §6.3 rule 1).
        if isHeadRequest || (100..<200).contains(status) || status == 204 || status == 304 { return response }

        if let coding = response.header("Transfer-Encoding"), coding.lowercased().contains("chunked") {
            guard let body = try dechunk(bytes, from: bodyStart, atEOF: atEOF) else { return nil }
            response.body = body
        } else if let length = response.header("Content-Length") {
            guard let expected = Int(length.trimmingSpaces), expected >= 0 else {
                throw .message("invalid Content-Length '\(length)'")
            }
            let have = bytes.count - bodyStart
            if have < expected {
                if atEOF { throw .message("the connection closed after \(have) of \(expected) body bytes") }
                return nil
            }
            response.body = Array(bytes[bodyStart..<(bodyStart + expected)])
        } else {
            guard atEOF else { return nil }
            response.body = Array(bytes[bodyStart...])
        }
        return response
    }

    /// Removes the chunked transfer coding; nil while the final `0` chunk has not arrived.
    static func dechunk(_ bytes: [UInt8], from start: Int, atEOF: Bool) throws(HTTPParseError) -> [UInt8]? {
        var body: [UInt8] = []
        var position = start
        while true {
            guard let lineEnd = find(crlf, in: bytes, from: position) else {
                if atEOF { throw .message("the connection closed inside a chunk header") }
                return nil
            }
            let line = String(decoding: bytes[position..<lineEnd], as: UTF8.self)
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingSpaces } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw .message("invalid chunk size '\(line.prefix(40))'")
            }
            position = lineEnd + 2
            if size == 0 {
                // Trailer fields (ignored) end with an empty line.
                guard find(crlf, in: bytes, from: position) != nil else {
                    if atEOF { throw .message("the connection closed inside the chunked trailer") }
                    return nil
                }
                var trailer = position
                while let end = find(crlf, in: bytes, from: trailer) {
                    if end == trailer { return body }
                    trailer = end + 2
                }
                if atEOF { throw .message("the connection closed inside the chunked trailer") }
                return nil
            }
            guard bytes.count >= position + size + 2 else {
                if atEOF { throw .message("the connection closed inside a \(size)-byte chunk") }
                return nil
            }
            guard bytes[position + size] == 0x0D, bytes[position + size + 1] == 0x0A else {
                throw .message("a \(size)-byte chunk is not followed by CRLF")
            }
            body.append(contentsOf: bytes[position..<(position + size)])
            position += size + 2
        }
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let crlfcrlf: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

    /// Index of the first occurrence of `needle` at or after `start`.
    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        var i = start
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// A response that is not valid HTTP/1.1.
struct HTTPParseError: Error, Equatable, CustomStringConvertible {
    var description: String

    static func message(_ text: String) -> Self { Self(description: text) }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
