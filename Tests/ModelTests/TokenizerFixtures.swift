import Foundation
import Testing
@testable import Model

/// Reference data and the real vocabulary for the tokenizer tests.
enum TokenizerFixtures {
    struct Case: Decodable, Sendable {
        let text: String
        let tokens: [String]
        let ids: [Int32]
        let ids_max16: [Int32]
        let words: Int
        let unknown_words: Int
        let fast_agrees: Bool
    }

    struct Batch: Decodable, Sendable {
        let texts: [String]
        let max_length: Int
        let input_ids: [[Int32]]
        let attention_mask: [[Int32]]
    }

    struct CasedCase: Decodable, Sendable {
        let text: String
        let ids: [Int32]
    }

    struct Document: Decodable, Sendable {
        let truncated_max_length: Int
        let cases: [Case]
        let batches: [Batch]
        let cased_cases: [CasedCase]
    }

    enum Failure: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self { case let .missing(what): return what }
        }
    }

    /// The repository root: the first directory above this file that holds Package.swift.
    static func repositoryRoot(from file: String = #filePath) throws -> URL {
        var directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        throw Failure.missing("no Package.swift above \(file)")
    }

    /// `models/all-MiniLM-L6-v2/vocab.txt`; a missing model is a failure, never a skip.
    static func vocabularyURL() throws -> URL {
        let url = try repositoryRoot().appendingPathComponent("models/all-MiniLM-L6-v2/vocab.txt")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Failure.missing("base model vocabulary missing at \(url.path): run ops/setup")
        }
        return url
    }

    static func tokenizer(lowercase: Bool = true) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabularyAt: vocabularyURL(), lowercase: lowercase)
    }

    /// `tokenizer_cases.json`, written by `make_tokenizer_fixtures.py` from HF's slow BertTokenizer.
    static func document() throws -> Document {
        guard let url = Bundle.module.url(forResource: "tokenizer_cases", withExtension: "json", subdirectory: "Fixtures") else {
            throw Failure.missing("Fixtures/tokenizer_cases.json not in the test bundle")
        }
        return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
    }

    /// A temporary vocabulary file with the given content; removed by the caller.
    static func temporaryVocabulary(_ content: String) throws -> URL {
        try temporaryVocabulary(bytes: Array(content.utf8))
    }

    static func temporaryVocabulary(bytes: [UInt8]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("vocab.txt")
        try Data(bytes).write(to: url)
        return url
    }

    /// Renders a text with escapes so failures show invisible scalars.
    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
    }
}
