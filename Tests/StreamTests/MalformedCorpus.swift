import Testing
@testable import Stream

/// A malformed record and the reason it must be refused with.
struct MalformedSample: Sendable, CustomTestStringConvertible {
    let name: String
    let key: [UInt8]?
    let value: [UInt8]
    let reason: RejectReason

    init(_ name: String, _ json: String, _ reason: RejectReason, key: [UInt8]? = nil) {
        self.init(name, bytes: Array(json.utf8), reason, key: key)
    }

    init(_ name: String, bytes: [UInt8], _ reason: RejectReason, key: [UInt8]? = nil) {
        self.name = name
        self.key = key
        self.value = bytes
        self.reason = reason
    }

    var testDescription: String { name }
}

/// The ≥ 30 malformed records used by the decoder tests and the DLQ test.
enum MalformedCorpus {
    static let cases: [MalformedSample] = [
        MalformedSample("empty value", "", .invalidJSON),
        MalformedSample("not JSON", "hello", .invalidJSON),
        MalformedSample("truncated object", #"{"text":"a","label":"b""#, .invalidJSON),
        MalformedSample("trailing garbage", #"{"text":"a","label":"b"} x"#, .invalidJSON),
        MalformedSample("single quotes", #"{'text':'a','label':'b'}"#, .invalidJSON),
        MalformedSample("trailing comma", #"{"text":"a","label":"b",}"#, .invalidJSON),
        MalformedSample("unterminated string", #"{"text":"a,"label":"b"}"#, .invalidJSON),
        MalformedSample("bad escape", #"{"text":"a\q","label":"b"}"#, .invalidJSON),
        MalformedSample("lone surrogate escape", #"{"text":"\ud800x","label":"b"}"#, .invalidJSON),
        MalformedSample("raw control character", "{\"text\":\"a\u{01}b\",\"label\":\"b\"}", .invalidJSON),
        MalformedSample("leading zero number", #"{"text":"a","label":"b","ts":01}"#, .invalidJSON),
        MalformedSample("wrong type after syntax error", #"{"text":1,"label":"b"]"#, .invalidJSON),
        MalformedSample("invalid UTF-8 byte", bytes: Array(#"{"text":""#.utf8) + [0xC3, 0x28] + Array(#"","label":"b"}"#.utf8), .invalidUTF8),
        MalformedSample("overlong UTF-8", bytes: Array(#"{"text":""#.utf8) + [0xC0, 0xAF] + Array(#"","label":"b"}"#.utf8), .invalidUTF8),
        MalformedSample("UTF-8 surrogate", bytes: Array(#"{"text":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"","label":"b"}"#.utf8), .invalidUTF8),
        MalformedSample("truncated UTF-8", bytes: Array(#"{"text":"a","label":"b"}"#.utf8) + [0xE2, 0x82], .invalidUTF8),
        MalformedSample("array instead of object", #"[1,2,3]"#, .wrongType),
        MalformedSample("text is a number", #"{"text":42,"label":"b"}"#, .wrongType),
        MalformedSample("label is a float", #"{"text":"a","label":1.5}"#, .wrongType),
        MalformedSample("label is a bool", #"{"text":"a","label":true}"#, .wrongType),
        MalformedSample("features is a string", #"{"features":"1,2","label":"b"}"#, .wrongType),
        MalformedSample("features hold a string", #"{"features":[1,"2"],"label":"b"}"#, .wrongType),
        MalformedSample("weight is a string", #"{"text":"a","label":"b","weight":"1"}"#, .wrongType),
        MalformedSample("id is a number", #"{"text":"a","label":"b","id":7}"#, .wrongType),
        MalformedSample("label is null", #"{"text":"a","label":null}"#, .wrongType),
        MalformedSample("missing label", #"{"text":"a"}"#, .missingField),
        MalformedSample("duplicate label", #"{"text":"a","label":"b","label":"c"}"#, .duplicateField),
        MalformedSample("empty text", #"{"text":"","label":"b"}"#, .emptyText),
        MalformedSample("whitespace text", #"{"text":" \n\t ","label":"b"}"#, .emptyText),
        MalformedSample("empty features", #"{"features":[],"label":"b"}"#, .emptyFeatures),
        MalformedSample("empty label", #"{"text":"a","label":""}"#, .emptyLabel),
        MalformedSample("text and features", #"{"text":"a","features":[1],"label":"b"}"#, .textAndFeatures),
        MalformedSample("neither text nor features", #"{"label":"b"}"#, .noTextOrFeatures),
        MalformedSample("empty object", #"{}"#, .noTextOrFeatures),
        MalformedSample("NaN feature", #"{"features":[1,NaN],"label":"b"}"#, .nonFiniteNumber),
        MalformedSample("Infinity weight", #"{"text":"a","label":"b","weight":Infinity}"#, .nonFiniteNumber),
        MalformedSample("-Infinity ts", #"{"text":"a","label":"b","ts":-Infinity}"#, .nonFiniteNumber),
        MalformedSample("overflowing double", #"{"text":"a","label":"b","ts":1e400}"#, .nonFiniteNumber),
        MalformedSample("feature beyond Float", #"{"features":[1e39],"label":"b"}"#, .nonFiniteNumber),
        MalformedSample("negative weight", #"{"text":"a","label":"b","weight":-1}"#, .outOfRange),
        MalformedSample("label beyond Int64", #"{"text":"a","label":99999999999999999999}"#, .outOfRange),
        MalformedSample("over 64 KiB", #"{"text":""# + String(repeating: "x", count: 70_000) + #"","label":"b"}"#, .tooLarge),
        MalformedSample("non-UTF-8 key", #"{"text":"a","label":"b"}"#, .invalidKey, key: [0xFF]),
    ]
}
