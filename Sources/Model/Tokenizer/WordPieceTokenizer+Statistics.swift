/// Out-of-vocabulary statistics of one text, for input-drift monitoring (OOV rate, length).
package struct TokenizationStatistics: Sendable, Equatable {
    /// Words after basic tokenization (whitespace and punctuation split); special tokens
    /// written in the text are not counted.
    var words: Int
    /// Words that became a single `[UNK]` (no WordPiece cover, or longer than 100 scalars).
    var unknownWords: Int
    /// Tokens before truncation (what `tokenize` returns), without the added `[CLS]`/`[SEP]`.
    var pieces: Int

    init(words: Int, unknownWords: Int, pieces: Int) {
        self.words = words
        self.unknownWords = unknownWords
        self.pieces = pieces
    }

    /// Fraction of words that became `[UNK]`; 0 for a text without words.
    package var unknownRate: Double {
        words == 0 ? 0 : Double(unknownWords) / Double(words)
    }
}

extension WordPieceTokenizer {
    /// Word and `[UNK]` counts of `text` (the whole text, regardless of any truncation).
    package func statistics(of text: String) -> TokenizationStatistics {
        var run = TokenizationRun(limit: .max)
        run.process(text, with: self)
        return TokenizationStatistics(words: run.words, unknownWords: run.unknownWords, pieces: run.pieces)
    }

    /// Fraction of the words of `text` that became `[UNK]`.
    package func unknownRate(_ text: String) -> Double {
        statistics(of: text).unknownRate
    }

    /// `encode(_:maxLength:)` and `statistics(of:)` in one pass over the text.
    package func encodeWithStatistics(_ text: String, maxLength: Int = 128) -> (ids: [Int32], statistics: TokenizationStatistics) {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        var run = TokenizationRun(limit: .max)
        run.ids.append(clsID)
        run.process(text, with: self)
        if run.ids.count > maxLength - 1 { run.ids.removeSubrange((maxLength - 1)...) }
        run.ids.append(sepID)
        let statistics = TokenizationStatistics(words: run.words, unknownWords: run.unknownWords, pieces: run.pieces)
        return (run.ids, statistics)
    }
}

extension WordPieceTokenizer {
    /// The words after basic tokenization (cleaned, lower-cased, accent-stripped, split on
    /// whitespace and punctuation), before WordPiece. For tests against the reference.
    func basicWords(_ text: String) -> [String] {
        var run = TokenizationRun(limit: .max)
        run.basicWords = []
        run.process(text, with: self)
        return (run.basicWords ?? []).map { word in
            var view = String.UnicodeScalarView()
            for value in word { view.append(Unicode.Scalar(value)!) }
            return String(view)
        }
    }
}
