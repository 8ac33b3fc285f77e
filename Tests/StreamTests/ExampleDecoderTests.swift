import Foundation
import Testing
import TestCorpora
@testable import Stream

extension MalformedSample: CustomTestStringConvertible {
    package var testDescription: String { name }
}

@Suite("Example schema decoding and validation")
struct ExampleDecoderTests {
    let decoder = ExampleDecoder()

    func decode(_ json: String, key: String? = nil) -> Result<Example, Rejection> {
        decoder.decode(key: key.map { Array($0.utf8) }, value: Array(json.utf8))
    }

    @Test("a text example with every optional field")
    func fullTextExample() throws {
        let example = try decode(#"{"text":"Great movie","label":"pos","id":"a-1","ts":1700000000.5,"weight":0.25}"#, key: "reviews").get()
        #expect(example == Example(input: .text("Great movie"), label: "pos", id: "a-1",
                                   timestamp: 1_700_000_000.5, weight: 0.25, adapter: "reviews"))
    }

    @Test("features, integer labels, nulls for optional fields, unknown fields ignored")
    func featuresExample() throws {
        let example = try decode(#" { "features" : [1, -2.5, 3e2, 0.1] , "label" : 7, "id": null, "extra": {"a": [1, true]} } "#).get()
        #expect(example.input == .features([1, -2.5, 300, 0.1]))
        #expect(example.label == "7")
        #expect(example.id == nil)
        #expect(example.weight == 1)
        #expect(example.adapter == nil)
    }

    @Test("escapes and non-ASCII text decode as JSON specifies")
    func escapes() throws {
        let json = #"{"text":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00 ünï","label":"x"}"#
        let example = try decode(json).get()
        // Reference: Foundation's JSONSerialization on the same bytes.
        let reference = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        #expect(example.text == reference["text"] as? String)
    }

    @Test("numbers match the standard library's correctly rounded parse",
          arguments: ["0", "-0", "1", "0.1", "123456789012345", "1234567890123456789", "3.141592653589793",
                      "1e-7", "2.5E+10", "-1.7976931348623157e308", "5e-324", "0.30000000000000004", "123.456e-2"])
    func numbers(_ text: String) throws {
        let example = try decode(#"{"text":"t","label":"l","ts":\#(text)}"#).get()
        #expect(example.timestamp == Double(text)!)
    }

    @Test("an empty key means the default adapter")
    func emptyKey() throws {
        #expect(try decode(#"{"text":"t","label":"l"}"#, key: "").get().adapter == nil)
    }

    @Test("strict mode rejects unknown fields")
    func strictUnknown() {
        let strict = ExampleDecoder(rejectUnknownFields: true)
        let result = strict.decode(key: nil, value: Array(#"{"text":"t","label":"l","lable":"x"}"#.utf8))
        #expect(result.failureReason == .unknownField)
    }

    @Test("the size limit is configurable and checked first")
    func sizeLimit() {
        let small = ExampleDecoder(maxValueBytes: 16)
        #expect(small.decode(key: nil, value: Array(#"{"text":"long enough","label":"l"}"#.utf8)).failureReason == .tooLarge)
    }

    @Test("a non-UTF-8 key is refused")
    func invalidKey() {
        #expect(decoder.decode(key: [0xFF, 0xFE], value: Array(#"{"text":"t","label":"l"}"#.utf8)).failureReason == .invalidKey)
    }

    @Test("every malformed record is refused with its own reason", arguments: MalformedCorpus.cases)
    func malformed(_ sample: MalformedSample) {
        let result = decoder.decode(key: sample.key, value: sample.value)
        #expect(result.failureReason == sample.reason, "\(sample.name): got \(result)")
    }

    @Test("the corpora cover every reason except the opt-in unknown-field check")
    func corpusCoverage() {
        let covered = Set(HostileCorpus.records.map(\.reason))
        #expect(covered == Set(RejectReason.allCases).subtracting([.unknownField]))
        #expect(MalformedCorpus.cases.count >= 60)
        #expect(HostileCorpus.records.count >= 60)
        #expect(Set(HostileCorpus.records.map(\.name)).count == HostileCorpus.records.count, "kinds are distinct")
    }

    @Test("one size limit, as documented: 64 KiB accepted, one byte more refused")
    func documentedLimit() {
        #expect(ExampleDecoder().maxValueBytes == 65_536)
        #expect((try? decoder.decode(key: nil, value: HostileCorpus.example(bytes: 65_536)).get()) != nil)
        #expect(decoder.decode(key: nil, value: HostileCorpus.example(bytes: 65_537)).failureReason == .tooLarge)
    }

    @Test("a pipeline whose model reads text refuses features-only records")
    func featuresUnsupported() {
        let textOnly = ExampleDecoder(acceptsFeatures: false)
        let value = Array(#"{"features":[1,2],"label":"l"}"#.utf8)
        #expect(textOnly.decode(key: nil, value: value).failureReason == .unsupportedInput)
        #expect((try? decoder.decode(key: nil, value: value).get()) != nil)
    }

    @Test("a tombstone is refused as a tombstone, an empty value as invalid JSON")
    func tombstone() {
        let null = KafkaMessage(topic: "t", partition: 0, offset: 0, key: nil, value: nil)
        let empty = KafkaMessage(topic: "t", partition: 0, offset: 1, key: nil, value: [])
        #expect(null.isTombstone && !empty.isTombstone)
        #expect(decoder.decode(null).failureReason == .tombstone)
        #expect(decoder.decode(empty).failureReason == .invalidJSON)
    }

    @Test("weights up to the configured maximum are accepted", arguments: [1e-6, 0.5, 1, 100])
    func weights(_ weight: Double) throws {
        #expect(try decode(#"{"text":"t","label":"l","weight":\#(weight)}"#).get().weight == weight)
        let strict = ExampleDecoder(maxWeight: 0.5)
        let accepted = (try? strict.decode(key: nil, value: Array(#"{"text":"t","label":"l","weight":\#(weight)}"#.utf8)).get()) != nil
        #expect(accepted == (weight <= 0.5))
    }
}

extension Result where Failure == Rejection {
    var failureReason: RejectReason? {
        if case .failure(let rejection) = self { return rejection.reason }
        return nil
    }
}
