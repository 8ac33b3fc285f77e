import Foundation

/// A BERT `vocab.txt`: one token per line, the id is the line index.
struct WordPieceVocabulary: Sendable {
    /// Token text by id (line order).
    let tokens: [String]
    /// Lookup structure for WordPiece matching and `id(of:)`.
    let trie: TokenTrie

    /// Reads and parses a vocabulary file.
    /// - Throws: `TokenizerError` naming the file when it is missing, unreadable, not UTF-8 or empty.
    init(contentsOf url: URL) throws {
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "\(error)" : "no such file"
            throw TokenizerError.vocabularyUnreadable(path: path, reason: reason)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw TokenizerError.vocabularyNotUTF8(path: path)
        }
        let tokens = Self.lines(of: text)
        guard !tokens.isEmpty, tokens.contains(where: { !$0.isEmpty }) else {
            throw TokenizerError.vocabularyEmpty(path: path)
        }
        self.tokens = tokens
        self.trie = TokenTrie(tokens: tokens)
    }

    /// Splits like Python's `open(…, "r").readlines()` followed by `rstrip("\n")`: universal
    /// newlines (`\n`, `\r\n`, `\r` each end a line) and no empty token after a final newline.
    static func lines(of text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previousWasCR:
                previousWasCR = false
            case "\n", "\r":
                lines.append(String(current))
                current = String.UnicodeScalarView()
                previousWasCR = scalar == "\r"
            default:
                current.append(scalar)
                previousWasCR = false
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }
}
