import Foundation

/// Why a WordPiece vocabulary could not be loaded. Every case names the file.
enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file does not exist or could not be read.
    case vocabularyUnreadable(path: String, reason: String)
    /// The file is not valid UTF-8 (the reference reads it as strict UTF-8).
    case vocabularyNotUTF8(path: String)
    /// The file holds no tokens.
    case vocabularyEmpty(path: String)
    /// A special token the encoder relies on is not in the file.
    case missingSpecialToken(String, path: String)

    var description: String {
        switch self {
        case let .vocabularyUnreadable(path, reason):
            return "cannot read vocabulary file '\(path)': \(reason)"
        case let .vocabularyNotUTF8(path):
            return "vocabulary file '\(path)' is not valid UTF-8"
        case let .vocabularyEmpty(path):
            return "vocabulary file '\(path)' is empty (expected one token per line)"
        case let .missingSpecialToken(token, path):
            return "vocabulary file '\(path)' has no \(token) token (needs [CLS], [SEP], [UNK] and [PAD])"
        }
    }

    var errorDescription: String? { description }
}
