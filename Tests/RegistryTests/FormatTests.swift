import Foundation
import Testing

@testable import Registry

@Suite struct FormatTests {
    /// Digests from Python's hashlib (`Fixtures/sha256_vectors.json`), covering the padding edges
    /// (55, 56, 64 bytes) and a multi-block input fed in uneven pieces.
    @Test func sha256MatchesHashlib() throws {
        let vectors = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: fixturesDirectory().appendingPathComponent("sha256_vectors.json")))
        let inputs: [String: [UInt8]] = [
            "empty": [], "abc": Array("abc".utf8), "55a": Array(repeating: 97, count: 55),
            "56a": Array(repeating: 97, count: 56), "64a": Array(repeating: 97, count: 64),
            "1000seq": (0..<1000).map { UInt8($0 % 251) },
        ]
        for (label, bytes) in inputs {
            #expect(SHA256.hex(bytes) == vectors[label], "\(label)")
        }
        var pieces = SHA256()
        let long = try #require(inputs["1000seq"])
        for range in [0..<1, 1..<63, 63..<64, 64..<500, 500..<1000] { pieces.update(long[range]) }
        #expect(SHA256.hexString(pieces.finalize()) == vectors["1000seq"])
    }

    @Test func versionParsingAndNames() {
        #expect(Version("000042") == 42)
        #expect(Version("42")?.name == "000042")
        #expect(Version("v7") == 7)
        #expect(Version("1234567") == nil)
        #expect(Version("-1") == nil)
        #expect(Version("abc") == nil)
        #expect(Version(rawValue: 999_999).name == "999999")
    }

    @Test func nonFiniteMetricsSurviveJSON() throws {
        let metrics: [String: Double] = ["loss": .nan, "ppl": .infinity]
        let data = try RegistryJSON.encoder().encode(metrics)
        let back = try RegistryJSON.decoder().decode([String: Double].self, from: data)
        #expect(back["loss"]?.isNaN == true)
        #expect(back["ppl"] == .infinity)
    }

    @Test func datesKeepMilliseconds() throws {
        let date = Date(timeIntervalSince1970: 1_800_000_000.125)
        let text = RegistryJSON.formatDate(date)
        #expect(text == "2027-01-15T08:00:00.125Z")
        #expect(RegistryJSON.parseDate(text) == date)
        #expect(RegistryJSON.parseDate("2027-01-15T08:00:00Z") == Date(timeIntervalSince1970: 1_800_000_000))
    }
}
