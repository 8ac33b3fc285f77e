import API
import Foundation
import Testing
@testable import Server

/// API optionals are always written (as `null` when nil) and read back whether present or not.
@Suite struct NullEncodedTests {
    @Test func nilIsWrittenAsNullAndValuesAsThemselves() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let empty = String(decoding: try encoder.encode(MetricValues(count: 0)), as: UTF8.self)
        #expect(empty == #"{"accuracy":null,"count":0,"log_loss":null}"#)
        let full = String(decoding: try encoder.encode(MetricValues(count: 4, accuracy: 0.5, logLoss: 0.25)), as: UTF8.self)
        #expect(full == #"{"accuracy":0.5,"count":4,"log_loss":0.25}"#)
    }

    @Test func missingNullAndPresentKeysDecode() throws {
        let decoder = JSONDecoder()
        let missing = try decoder.decode(MetricValues.self, from: Data(#"{"count": 3}"#.utf8))
        #expect(missing == MetricValues(count: 3))
        let null = try decoder.decode(MetricValues.self, from: Data(#"{"count": 3, "accuracy": null, "log_loss": null}"#.utf8))
        #expect(null == MetricValues(count: 3))
        let present = try decoder.decode(MetricValues.self, from: Data(#"{"count": 3, "accuracy": 1, "log_loss": 0}"#.utf8))
        #expect(present == MetricValues(count: 3, accuracy: 1, logLoss: 0))
        #expect(throws: DecodingError.self) {
            try decoder.decode(MetricValues.self, from: Data(#"{"count": 3, "accuracy": "high"}"#.utf8))
        }
    }
}
