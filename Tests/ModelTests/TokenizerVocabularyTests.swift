import Foundation
import Testing
@testable import Model

/// Loading `vocab.txt`: errors that name the file, line splitting as Python's `readlines()`,
/// exact (not canonical-equivalence) token identity, and WordPiece on tiny vocabularies.
@Suite struct TokenizerVocabularyTests {
    private static let specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"

    private func load(_ content: String, lowercase: Bool = true) throws -> WordPieceTokenizer {
        let url = try TokenizerFixtures.temporaryVocabulary(content)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        return try WordPieceTokenizer(vocabularyAt: url, lowercase: lowercase)
    }

    @Test func missingFileIsNamed() throws {
        let path = "/nonexistent-\(UUID().uuidString)/vocab.txt"
        let error = try #require(throws: TokenizerError.self) {
            try WordPieceTokenizer(vocabularyAt: URL(fileURLWithPath: path))
        }
        guard case let .vocabularyUnreadable(reportedPath, _) = error else {
            Issue.record("expected vocabularyUnreadable, got \(error)")
            return
        }
        #expect(reportedPath == path)
        #expect(error.description.contains(path))
    }

    @Test(arguments: ["", "\n", "\n\n\r\n"])
    func emptyFileIsRejected(content: String) throws {
        let error = try #require(throws: TokenizerError.self) { try load(content) }
        guard case let .vocabularyEmpty(path) = error else {
            Issue.record("expected vocabularyEmpty, got \(error)")
            return
        }
        #expect(path.hasSuffix("vocab.txt"))
        #expect(error.description.contains("vocab.txt") && error.description.contains("empty"))
    }

    @Test(arguments: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
    func missingSpecialTokenIsNamed(token: String) throws {
        let content = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"].filter { $0 != token }.joined(separator: "\n")
        let error = try #require(throws: TokenizerError.self) { try load(content) }
        guard case let .missingSpecialToken(missing, path) = error else {
            Issue.record("expected missingSpecialToken, got \(error)")
            return
        }
        #expect(missing == token)
        #expect(path.hasSuffix("vocab.txt"))
        #expect(error.description.contains(token) && error.description.contains(path))
    }

    @Test func invalidUTF8IsRejected() throws {
        let url = try TokenizerFixtures.temporaryVocabulary(bytes: Array(Self.specials.utf8) + [0xFF, 0xFE, 0x0A])
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        #expect(throws: TokenizerError.vocabularyNotUTF8(path: url.path)) {
            try WordPieceTokenizer(vocabularyAt: url)
        }
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func linesSplitLikePythonUniversalNewlines(newline: String) throws {
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able"]
        let tokenizer = try load(tokens.joined(separator: newline) + newline)
        #expect(tokenizer.vocabularySize == tokens.count)
        #expect(tokenizer.encode("unaffable") == [2, 4, 5, 6, 3])
        #expect(tokenizer.tokenize("UnAffable") == ["un", "##aff", "##able"])
        #expect(tokenizer.token(of: 5) == "##aff")
    }

    /// Checked against the reference: ids [2, 6, 3]. (Its `convert_ids_to_tokens(4)` says
    /// `[UNK]` because its id→token map is built from the deduplicated dict; ours keeps the line.)
    @Test func repeatedTokenResolvesToLastLine() throws {
        let tokenizer = try load(Self.specials + "dup\nother\ndup\n")
        #expect(tokenizer.vocabularySize == 7)
        #expect(tokenizer.id(of: "dup") == 6)
        #expect(tokenizer.token(of: 4) == "dup")
        #expect(tokenizer.encode("dup") == [2, 6, 3])
    }

    @Test func canonicallyEquivalentTokensStayDistinct() throws {
        // U+03A9 GREEK CAPITAL OMEGA and U+2126 OHM SIGN are equal as Swift Strings.
        let tokenizer = try load(Self.specials + "\u{03A9}\n\u{2126}\n", lowercase: false)
        #expect(tokenizer.id(of: "\u{03A9}") == 4)
        #expect(tokenizer.id(of: "\u{2126}") == 5)
        // NFC maps the ohm sign to omega, as the reference does before lookup.
        #expect(tokenizer.encode("\u{2126}") == [2, 4, 3])
    }

    @Test func unmatchedRemainderMakesTheWholeWordUnknown() throws {
        let tokenizer = try load(Self.specials + "un\n##aff\n")
        #expect(tokenizer.tokenize("unaffable un") == ["[UNK]", "un"])
        let statistics = tokenizer.statistics(of: "unaffable un")
        #expect(statistics == TokenizationStatistics(words: 2, unknownWords: 1, pieces: 2))
        #expect(statistics.unknownRate == 0.5)
        #expect(tokenizer.unknownRate("") == 0)
        #expect(tokenizer.unknownRate("un un") == 0)
    }

    @Test func wordsOverOneHundredScalarsAreUnknown() throws {
        let tokenizer = try load(Self.specials + "a\n##a\n")
        #expect(tokenizer.tokenize(String(repeating: "a", count: 100)).count == 100)
        #expect(tokenizer.tokenize(String(repeating: "a", count: 101)) == ["[UNK]"])
        // Counted in scalars after accent stripping: 100 × (a + U+0301) is 200 scalars before, 100 after.
        #expect(tokenizer.tokenize(String(repeating: "a\u{301}", count: 100)).count == 100)
    }

    @Test func modelDirectoryLoadsItsVocabulary() throws {
        let vocabulary = try TokenizerFixtures.vocabularyURL()
        let tokenizer = try WordPieceTokenizer(modelDirectory: vocabulary.deletingLastPathComponent())
        #expect(tokenizer.encode("Hello world!") == [101, 7592, 2088, 999, 102])
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-model-\(UUID().uuidString)")
        let error = try #require(throws: TokenizerError.self) { try WordPieceTokenizer(modelDirectory: empty) }
        #expect(error.description.contains(empty.appendingPathComponent("vocab.txt").path))
    }

    @Test func realVocabularyLookups() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.id(of: "[CLS]") == 101 && tokenizer.id(of: "[SEP]") == 102)
        #expect(tokenizer.id(of: "[UNK]") == 100 && tokenizer.id(of: "[PAD]") == 0)
        #expect(tokenizer.id(of: "hello") == 7592)
        #expect(tokenizer.id(of: "##ing") == 2075)
        #expect(tokenizer.id(of: "definitely-not-a-token") == nil)
        #expect(tokenizer.id(of: "") == nil)
        #expect(tokenizer.token(of: 7592) == "hello")
        #expect(tokenizer.token(of: -1) == nil && tokenizer.token(of: 30522) == nil)
    }
}
