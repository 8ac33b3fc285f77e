import Stream

/// A malformed record and the reason it must be refused with.
package struct MalformedSample: Sendable {
    package let name: String
    package let key: [UInt8]?
    package let value: [UInt8]
    package let reason: RejectReason

    init(_ name: String, _ json: String, _ reason: RejectReason, key: [UInt8]? = nil) {
        self.init(name, bytes: Array(json.utf8), reason, key: key)
    }

    init(_ name: String, bytes: [UInt8], _ reason: RejectReason, key: [UInt8]? = nil) {
        self.name = name
        self.key = key
        self.value = bytes
        self.reason = reason
    }
}

/// The malformed record values (and one bad key) used by the decoder tests and the DLQ test;
/// `HostileCorpus` adds the records only a whole pipeline can judge.
package enum MalformedCorpus {
    package static let cases: [MalformedSample] = [
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
        MalformedSample("Infinity weight", #"{"text":"a","label":"b","weight":Infinity}"#, .invalidWeight),
        MalformedSample("-Infinity ts", #"{"text":"a","label":"b","ts":-Infinity}"#, .nonFiniteNumber),
        MalformedSample("overflowing double", #"{"text":"a","label":"b","ts":1e400}"#, .nonFiniteNumber),
        MalformedSample("feature beyond Float", #"{"features":[1e39],"label":"b"}"#, .nonFiniteNumber),
        MalformedSample("negative weight", #"{"text":"a","label":"b","weight":-1}"#, .invalidWeight),
        MalformedSample("label beyond Int64", #"{"text":"a","label":99999999999999999999}"#, .outOfRange),
        MalformedSample("over 64 KiB", #"{"text":""# + String(repeating: "x", count: 70_000) + #"","label":"b"}"#, .tooLarge),
        MalformedSample("non-UTF-8 key", #"{"text":"a","label":"b"}"#, .invalidKey, key: [0xFF]),
        MalformedSample("300-character key", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array(String(repeating: "k", count: 300).utf8)),
        MalformedSample("129-character key", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array(String(repeating: "k", count: 129).utf8)),
        MalformedSample("key with a space", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array("my adapter".utf8)),
        MalformedSample("key ../x", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array("../x".utf8)),
        MalformedSample("key with a slash", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array("a/b".utf8)),
        MalformedSample("dot-file key", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array(".hidden".utf8)),
        MalformedSample("key ..", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array("..".utf8)),
        MalformedSample("non-ASCII key", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array("café".utf8)),
        MalformedSample("key with NUL", #"{"text":"a","label":"b"}"#, .invalidKey, key: [0x61, 0x00, 0x62]),
        MalformedSample("key with newline", #"{"text":"a","label":"b"}"#, .invalidKey, key: Array("a\n".utf8)),
        MalformedSample("zero weight", #"{"text":"a","label":"b","weight":0}"#, .invalidWeight),
        MalformedSample("weight 1e30", #"{"text":"a","label":"b","weight":1e30}"#, .invalidWeight),
        MalformedSample("weight 1e39", #"{"text":"a","label":"b","weight":1e39}"#, .invalidWeight),
        MalformedSample("weight above the maximum", #"{"text":"a","label":"b","weight":100.5}"#, .invalidWeight),
        MalformedSample("NaN weight", #"{"text":"a","label":"b","weight":NaN}"#, .invalidWeight),
        MalformedSample("overflowing weight", #"{"text":"a","label":"b","weight":1e400}"#, .invalidWeight),
        MalformedSample("negative zero weight", #"{"text":"a","label":"b","weight":-0.0}"#, .invalidWeight),
        MalformedSample("label over 256 bytes", #"{"text":"a","label":""# + String(repeating: "l", count: 257) + #""}"#, .outOfRange),
        MalformedSample("JSON string", #""hello""#, .wrongType),
        MalformedSample("JSON null", "null", .wrongType),
        MalformedSample("JSON number", "42", .wrongType),
        MalformedSample("JSON true", "true", .wrongType),
        MalformedSample("byte-order mark", bytes: [0xEF, 0xBB, 0xBF] + Array(#"{"text":"a","label":"b"}"#.utf8), .invalidJSON),
        MalformedSample("nesting 10,000 deep", #"{"text":"a","label":"b","x":"# + String(repeating: "[", count: 10_000)
                            + String(repeating: "]", count: 10_000) + "}", .invalidJSON),
        MalformedSample("weight is an object", #"{"text":"a","label":"b","weight":{}}"#, .wrongType),
        MalformedSample("text is an array", #"{"text":["a"],"label":"b"}"#, .wrongType),
        MalformedSample("NUL byte after the object", bytes: Array(#"{"text":"a","label":"b"}"#.utf8) + [0], .invalidJSON),
    ]
}
