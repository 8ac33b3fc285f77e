import Foundation

/// BERT's WordPiece tokenizer, producing exactly the ids of HF's (slow, pure-Python)
/// `BertTokenizer` for the same `vocab.txt`.
///
/// Pipeline, as in the reference: split out special tokens written in the text; clean
/// (drop NUL, U+FFFD and control/format/unassigned scalars, map whitespace to spaces); put
/// spaces around CJK ideographs; split on whitespace; per token lower-case (Python
/// `str.lower()`), decompose (NFD) and drop non-spacing marks; split off punctuation; then
/// greedy longest-match-first WordPiece with `##` continuations (words over 100 scalars, or
/// with an unmatched remainder, become `[UNK]`).
///
/// Works on Unicode scalars, never `Character`s: grapheme clusters would glue combining marks
/// and emoji sequences together differently from Python's code-point strings.
package struct WordPieceTokenizer: Sendable {
    /// Words longer than this many scalars become `[UNK]` (the reference's `max_input_chars_per_word`).
    static let maxScalarsPerWord = 100

    let vocabulary: WordPieceVocabulary
    /// Whether text is lower-cased and stripped of accents (an uncased model).
    let lowercase: Bool

    let clsID: Int32
    let sepID: Int32
    let padID: Int32
    let unknownID: Int32
    /// Special tokens recognized verbatim in the input, with their ids (UTF-8 bytes).
    let specialTokens: [(bytes: [UInt8], scalars: [UInt32], id: Int32)]

    /// Loads a `vocab.txt`.
    /// - Parameters:
    ///   - url: the vocabulary file, one token per line (id = line index).
    ///   - lowercase: `true` for uncased models (lower-case and strip accents).
    /// - Throws: `TokenizerError` naming the file if it is missing, unreadable, empty, or lacks
    ///   `[CLS]`, `[SEP]`, `[UNK]` or `[PAD]`.
    package init(vocabularyAt url: URL, lowercase: Bool = true) throws {
        let vocabulary = try WordPieceVocabulary(contentsOf: url)
        func require(_ token: String) throws -> Int32 {
            guard let id = vocabulary.trie.id(of: token.unicodeScalars) else {
                throw TokenizerError.missingSpecialToken(token, path: url.path)
            }
            return id
        }
        self.clsID = try require("[CLS]")
        self.sepID = try require("[SEP]")
        self.unknownID = try require("[UNK]")
        self.padID = try require("[PAD]")
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        self.specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            vocabulary.trie.id(of: token.unicodeScalars).map {
                (Array(token.utf8), token.unicodeScalars.map(\.value), $0)
            }
        }
    }

    /// Loads `vocab.txt` from a model directory (e.g. `models/all-MiniLM-L6-v2`).
    /// - Throws: `TokenizerError` naming `<directory>/vocab.txt` when it is missing or invalid.
    package init(modelDirectory: URL, lowercase: Bool = true) throws {
        try self.init(vocabularyAt: modelDirectory.appendingPathComponent("vocab.txt"), lowercase: lowercase)
    }

    /// Number of ids (lines of the vocabulary file); the embedding table has this many rows.
    package var vocabularySize: Int { vocabulary.tokens.count }

    /// The id of a token, compared scalar by scalar (for a repeated line, the last one).
    package func id(of token: String) -> Int32? {
        vocabulary.trie.id(of: token.unicodeScalars)
    }

    /// The token text of an id (the line of the file), or nil when out of range.
    package func token(of id: Int32) -> String? {
        vocabulary.tokens.indices.contains(Int(id)) ? vocabulary.tokens[Int(id)] : nil
    }

    /// The wordpieces of `text`, without `[CLS]`/`[SEP]` (the reference's `tokenize`).
    func tokenize(_ text: String) -> [String] {
        var run = TokenizationRun(limit: .max)
        run.process(text, with: self)
        return run.ids.map { vocabulary.tokens[Int($0)] }
    }

    /// `[CLS] pieces… [SEP]`, truncated to `maxLength` ids with `[SEP]` kept last.
    /// - Precondition: `maxLength >= 2`.
    package func encode(_ text: String, maxLength: Int = 128) -> [Int32] {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        var run = TokenizationRun(limit: maxLength - 2)
        run.ids.reserveCapacity(min(maxLength, 64))
        run.ids.append(clsID)
        run.limit += 1
        run.process(text, with: self)
        run.ids.append(sepID)
        return run.ids
    }
}
