import Foundation
import Testing
@testable import Model

/// Every reference case from HF's slow BertTokenizer (uncased) on the real MiniLM vocabulary.
@Suite struct TokenizerTests {
    @Test func fixtureHasEnoughCases() throws {
        let document = try TokenizerFixtures.document()
        #expect(document.cases.count >= 300)
        #expect(document.truncated_max_length == 16)
    }

    @Test func tokensMatchReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        for (index, reference) in try TokenizerFixtures.document().cases.enumerated() {
            #expect(
                tokenizer.tokenize(reference.text) == reference.tokens,
                "case \(index): \(TokenizerFixtures.escaped(reference.text))"
            )
        }
    }

    @Test func idsMatchReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        for (index, reference) in try TokenizerFixtures.document().cases.enumerated() {
            #expect(
                tokenizer.encode(reference.text, maxLength: 4096) == reference.ids,
                "case \(index): \(TokenizerFixtures.escaped(reference.text))"
            )
        }
    }

    @Test func truncatedIdsMatchReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let document = try TokenizerFixtures.document()
        for (index, reference) in document.cases.enumerated() {
            let ids = tokenizer.encode(reference.text, maxLength: document.truncated_max_length)
            #expect(ids == reference.ids_max16, "case \(index): \(TokenizerFixtures.escaped(reference.text))")
            #expect(ids.last == tokenizer.sepID && ids.first == tokenizer.clsID)
        }
    }

    @Test func unknownWordCountsMatchReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        for (index, reference) in try TokenizerFixtures.document().cases.enumerated() {
            let statistics = tokenizer.statistics(of: reference.text)
            let message = Comment(rawValue: "case \(index): \(TokenizerFixtures.escaped(reference.text))")
            #expect(statistics.words == reference.words, message)
            #expect(statistics.unknownWords == reference.unknown_words, message)
            #expect(statistics.pieces == reference.tokens.count, message)
        }
    }

    @Test func casedModeMatchesReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer(lowercase: false)
        for (index, reference) in try TokenizerFixtures.document().cased_cases.enumerated() {
            #expect(
                tokenizer.encode(reference.text, maxLength: 4096) == reference.ids,
                "cased case \(index): \(TokenizerFixtures.escaped(reference.text))"
            )
        }
    }

    @Test func encodeWithStatisticsAgreesWithSeparateCalls() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        for reference in try TokenizerFixtures.document().cases {
            for maxLength in [2, 5, 16, 128] {
                let combined = tokenizer.encodeWithStatistics(reference.text, maxLength: maxLength)
                #expect(combined.ids == tokenizer.encode(reference.text, maxLength: maxLength))
                #expect(combined.statistics == tokenizer.statistics(of: reference.text))
            }
        }
    }
}
