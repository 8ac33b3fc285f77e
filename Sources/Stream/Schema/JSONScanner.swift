#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only JSON reader over bytes already checked to be UTF-8.
/// Syntax errors throw `Rejection(.invalidJSON, …)` with the byte offset.
struct JSONScanner {
    /// An object key (short keys stay inline in `String`, so this does not allocate).
    struct Key { let text: String }

    /// A number token as written, checked against the JSON grammar.
    struct NumberToken {
        let range: Range<Int>
        let isInteger: Bool
    }

    private let bytes: UnsafeRawBufferPointer
    private(set) var index = 0
    private static let maxDepth = 64

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    mutating func skipWhitespace() {
        while index < bytes.count, JSONScanner.isWhitespace(bytes[index]) { index += 1 }
    }

    /// The next significant byte, without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func peekNull() -> Bool { peek() == UInt8(ascii: "n") }

    func syntax(_ what: String) -> Rejection { Rejection(.invalidJSON, "\(what) at byte \(index)") }

    mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else { throw syntax("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    mutating func expectEnd() throws {
        skipWhitespace()
        guard atEnd else { throw syntax("trailing characters") }
    }

    mutating func readNull() throws { try literal("null") }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, n) == 0 else { throw syntax("invalid literal") }
        index += n
    }

    /// Reads `{ "k": v, … }`, handing each key to `body`, which must consume the value.
    mutating func readObject(_ body: (Key, inout JSONScanner) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw syntax("expected a field name") }
            let key = Key(text: try readStringBody())
            try expect(UInt8(ascii: ":"))
            try body(key, &self)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw syntax("expected ',' or '}'")
            }
        }
    }

    /// Reads `[ v, … ]`, calling `body` once per element to consume it.
    mutating func readArray(_ body: (inout JSONScanner) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        if peek() == UInt8(ascii: "]") { index += 1; return }
        while true {
            try body(&self)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw syntax("expected ',' or ']'")
            }
        }
    }

    /// Reads a string value; any other value is `wrong_type` for `field`.
    mutating func readString(field: String) throws -> String {
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue()
            throw Rejection(.wrongType, "'\(field)' must be a string")
        }
        return try readStringBody()
    }

    /// Reads a finite number; other values are `wrong_type`, NaN/Infinity/overflow `non_finite_number`.
    mutating func readFiniteNumber(field: String) throws -> Double {
        guard let token = try readNumberToken(field: field) else {
            throw Rejection(.wrongType, "'\(field)' must be a number")
        }
        let value = double(token)
        guard value.isFinite else { throw Rejection(.nonFiniteNumber, "'\(field)' = \(text(token.range)) is not finite") }
        return value
    }

    /// Reads a number token, or skips a non-number value and returns nil.
    /// `NaN`, `Infinity` and `-Infinity` (emitted by some JSON writers) are `non_finite_number`.
    mutating func readNumberToken(field: String) throws -> NumberToken? {
        guard let first = peek() else { throw syntax("expected a value") }
        if first == UInt8(ascii: "N") || first == UInt8(ascii: "I")
            || (first == UInt8(ascii: "-") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I")) {
            let start = index
            try skipNonFiniteLiteral()
            throw Rejection(.nonFiniteNumber, "'\(field)' = \(text(start..<index)) is not finite")
        }
        guard first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            try skipValue()
            return nil
        }
        return try scanNumber()
    }

    /// Consumes any JSON value, checking its syntax (nesting limited to 64 levels).
    mutating func skipValue(depth: Int = 0) throws {
        guard depth < JSONScanner.maxDepth else { throw syntax("nesting deeper than \(JSONScanner.maxDepth)") }
        switch peek() {
        case UInt8(ascii: "{")?: try readObject { _, s in try s.skipValue(depth: depth + 1) }
        case UInt8(ascii: "[")?: try readArray { s in try s.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\"")?: _ = try readStringBody()
        case UInt8(ascii: "t")?: try literal("true")
        case UInt8(ascii: "f")?: try literal("false")
        case UInt8(ascii: "n")?: try literal("null")
        case UInt8(ascii: "N")?, UInt8(ascii: "I")?: try skipNonFiniteLiteral()
        case UInt8(ascii: "-")? where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
            try skipNonFiniteLiteral()
        case nil: throw syntax("unexpected end")
        default: _ = try scanNumber()
        }
    }

    /// Checks a whole document's syntax (used to prefer `invalid_json` over a field error).
    mutating func validateDocument() throws {
        try skipValue()
        try expectEnd()
    }

    private mutating func skipNonFiniteLiteral() throws {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "N") { try literal("NaN") } else { try literal("Infinity") }
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private static let exactPowers: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { acc, _ in acc * 10 } }

    /// The value of a grammar-checked number token, correctly rounded: exact fast path
    /// (≤ 15 significant digits, |exponent| ≤ 22, Clinger 1990), else `strtod`.
    func double(_ token: NumberToken) -> Double {
        var i = token.range.lowerBound
        let end = token.range.upperBound
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            if mantissa != 0 || bytes[i] != 0x30 { digits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(bytes[i] - 0x30)
            i += 1
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if mantissa != 0 || bytes[i] != 0x30 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(bytes[i] - 0x30)
                exponent -= 1
                i += 1
            }
        }
        if i == end, digits <= 15, exponent >= -22 {
            let m = Double(mantissa)
            let v = exponent == 0 ? m : m / JSONScanner.exactPowers[-exponent]
            return negative ? -v : v
        }
        // Exponent form, long mantissa or tiny values: let the C library round.
        var buffer = [CChar](repeating: 0, count: token.range.count + 1)
        for (k, j) in token.range.enumerated() { buffer[k] = CChar(bitPattern: bytes[j]) }
        return strtod(buffer, nil)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func scanNumber() throws -> NumberToken {
        let start = index
        var integer = true
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit(index) else { throw syntax("invalid number") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { while digit(index) { index += 1 } }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integer = false
            index += 1
            guard digit(index) else { throw syntax("invalid number") }
            while digit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            integer = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digit(index) else { throw syntax("invalid number") }
            while digit(index) { index += 1 }
        }
        return NumberToken(range: start..<index, isInteger: integer)
    }

    /// Reads a string starting at its opening quote; decodes escapes.
    private mutating func readStringBody() throws -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return s
            }
            if b == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if b < 0x20 { throw syntax("control character in string") }
            index += 1
        }
        throw syntax("unterminated string")
    }

    private mutating func readEscapedString(from start: Int) throws -> String {
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw syntax("unterminated escape") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw syntax("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw syntax("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw syntax("unpaired surrogate")
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default: throw syntax("invalid escape")
                }
            default:
                if b < 0x20 { throw syntax("control character in string") }
                out.append(b)
            }
        }
        throw syntax("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw syntax("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            index += 1
            switch c {
            case 0x30...0x39: v = v << 4 | UInt32(c - 0x30)
            case 0x41...0x46: v = v << 4 | UInt32(c - 0x41 + 10)
            case 0x61...0x66: v = v << 4 | UInt32(c - 0x61 + 10)
            default: throw syntax("invalid \\u escape")
            }
        }
        return v
    }
}
