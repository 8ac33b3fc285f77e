import Foundation

/// One pass of the tokenizer over a text: scratch buffers, the ids produced so far, and word
/// counts. A value per call keeps `WordPieceTokenizer` immutable and `Sendable`.
struct TokenizationRun {
    /// Ids produced (possibly prefixed by the caller, e.g. with `[CLS]`).
    var ids: [Int32] = []
    /// Stop adding pieces once `ids.count` reaches this (the text is not read further).
    var limit: Int
    /// Words after basic tokenization (special tokens written in the text are not words).
    var words = 0
    /// Words that became a single `[UNK]`.
    var unknownWords = 0
    /// Tokens produced (wordpieces and special tokens written in the text), including those
    /// beyond `limit`.
    var pieces = 0

    /// When set, collects the words handed to WordPiece (the reference BasicTokenizer's
    /// output), for tests that pin the normalization of every scalar.
    var basicWords: [[UInt32]]?

    /// Current whitespace-delimited token, as cleaned scalars.
    private var raw: [UInt32] = []
    private var rawIsASCII = true
    /// The token after lower-casing / accent stripping.
    private var normalized: [UInt32] = []

    init(limit: Int) {
        self.limit = limit
    }

    private var isFull: Bool { ids.count >= limit }

    /// Tokenizes `text`, splitting out special tokens written verbatim (as the reference's
    /// added-tokens trie does), and appends the ids.
    mutating func process(_ text: String, with tokenizer: WordPieceTokenizer) {
        let utf8 = text.utf8
        var segmentStart = utf8.startIndex
        var searchFrom = utf8.startIndex
        while !tokenizer.specialTokens.isEmpty,
              let bracket = utf8[searchFrom...].firstIndex(of: UInt8(ascii: "[")) {
            guard let special = Self.special(in: utf8, at: bracket, tokenizer) else {
                searchFrom = utf8.index(after: bracket)
                continue
            }
            processSegment(text.unicodeScalars[segmentStart..<bracket], with: tokenizer)
            if !isFull { ids.append(special.id) }
            pieces += 1
            segmentStart = utf8.index(bracket, offsetBy: special.length)
            searchFrom = segmentStart
        }
        processSegment(text.unicodeScalars[segmentStart..<utf8.endIndex], with: tokenizer)
    }

    private static func special(
        in utf8: String.UTF8View, at index: String.Index, _ tokenizer: WordPieceTokenizer
    ) -> (id: Int32, length: Int)? {
        for special in tokenizer.specialTokens {
            if utf8[index...].starts(with: special.bytes) { return (special.id, special.bytes.count) }
        }
        return nil
    }

    /// BasicTokenizer's cleaning, CJK spacing and whitespace split over a text without
    /// special tokens; each whitespace token goes on to `finishToken`.
    private mutating func processSegment(_ scalars: Substring.UnicodeScalarView, with tokenizer: WordPieceTokenizer) {
        for scalar in scalars {
            if isFull {
                raw.removeAll(keepingCapacity: true)
                rawIsASCII = true
                return
            }
            switch BertCharacterClass.of(scalar) {
            case .removed:
                continue
            case .whitespace:
                finishToken(with: tokenizer)
            case .chinese:
                finishToken(with: tokenizer)
                raw.append(scalar.value)
                rawIsASCII = false
                finishToken(with: tokenizer)
            case .punctuation, .other:
                raw.append(scalar.value)
                if scalar.value >= 128 { rawIsASCII = false }
            }
        }
        finishToken(with: tokenizer)
    }

    /// Normalizes one whitespace token, splits off punctuation and WordPiece-encodes the words.
    private mutating func finishToken(with tokenizer: WordPieceTokenizer) {
        guard !raw.isEmpty else { return }
        defer {
            raw.removeAll(keepingCapacity: true)
            rawIsASCII = true
        }
        // The reference protects special tokens from lower-casing and splitting (never_split);
        // WordPiece then finds them in the vocabulary.
        if raw.first == 0x5B, tokenizer.specialTokens.contains(where: { $0.scalars == raw }) {
            raw.withUnsafeBufferPointer { appendWordPieces(of: $0, with: tokenizer) }
            return
        }
        normalized.removeAll(keepingCapacity: true)
        if tokenizer.lowercase {
            if rawIsASCII {
                for value in raw { normalized.append((0x41...0x5A).contains(value) ? value + 32 : value) }
            } else {
                var lowered: [UInt32] = []
                lowered.reserveCapacity(raw.count + 4)
                PythonLowercasing.append(lowercasing: raw, to: &lowered)
                Self.appendDecomposedWithoutMarks(lowered, to: &normalized)
            }
        } else if rawIsASCII {
            normalized.append(contentsOf: raw)
        } else {
            Self.appendComposed(raw, to: &normalized)
        }
        splitPunctuationAndEncode(with: tokenizer)
    }

    /// `_run_split_on_punc`: every punctuation scalar is a word of its own.
    private mutating func splitPunctuationAndEncode(with tokenizer: WordPieceTokenizer) {
        let normalized = self.normalized
        normalized.withUnsafeBufferPointer { buffer in
            var wordStart = 0
            for index in 0..<buffer.count where BertCharacterClass.isPunctuation(buffer[index]) {
                if wordStart < index { appendWordPieces(of: UnsafeBufferPointer(rebasing: buffer[wordStart..<index]), with: tokenizer) }
                appendWordPieces(of: UnsafeBufferPointer(rebasing: buffer[index..<index + 1]), with: tokenizer)
                wordStart = index + 1
            }
            if wordStart < buffer.count {
                appendWordPieces(of: UnsafeBufferPointer(rebasing: buffer[wordStart..<buffer.count]), with: tokenizer)
            }
        }
    }

    /// Greedy longest-match-first WordPiece over one word; the whole word becomes `[UNK]` when
    /// it is too long or some remainder matches no `##` piece.
    private mutating func appendWordPieces(of word: UnsafeBufferPointer<UInt32>, with tokenizer: WordPieceTokenizer) {
        words += 1
        if basicWords != nil { basicWords?.append(Array(word)) }
        let trie = tokenizer.vocabulary.trie
        if word.count <= WordPieceTokenizer.maxScalarsPerWord {
            let mark = ids.count
            var start = 0
            var root = TokenTrie.wordStart
            var matched = true
            var count = 0
            var firstID: Int32 = -1
            while start < word.count {
                guard let match = trie.longestMatch(in: word, from: start, root: root) else {
                    matched = false
                    break
                }
                if ids.count < limit { ids.append(match.id) }
                if count == 0 { firstID = match.id }
                count += 1
                start = match.end
                root = TokenTrie.continuation
            }
            if matched {
                pieces += count
                if count == 1, firstID == tokenizer.unknownID { unknownWords += 1 }
                return
            }
            ids.removeSubrange(mark...)
        }
        if ids.count < limit { ids.append(tokenizer.unknownID) }
        pieces += 1
        unknownWords += 1
    }

    /// NFD, then drop non-spacing marks (`_run_strip_accents`).
    private static func appendDecomposedWithoutMarks(_ scalars: [UInt32], to output: inout [UInt32]) {
        if scalars.allSatisfy(isStableUnderDecomposition) {
            output.append(contentsOf: scalars)
            return
        }
        for scalar in string(from: scalars).decomposedStringWithCanonicalMapping.unicodeScalars
        where !BertCharacterClass.isNonspacingMark(scalar) {
            output.append(scalar.value)
        }
    }

    /// Scalars that are neither decomposed by NFD nor marks, so the Foundation round trip can be
    /// skipped: below U+00C0, CJK Unified Ideographs, and the emoji/symbol blocks U+1F000–1FAFF
    /// (every scalar is pinned against the reference by TokenizerUnicodeTests).
    @inline(__always)
    private static func isStableUnderDecomposition(_ value: UInt32) -> Bool {
        value < 0xC0 || (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x1F000...0x1FAFF).contains(value) || (0x20000...0x2A6DF).contains(value)
            || (0x2A700...0x2EBEF).contains(value)
    }

    /// NFC (the reference normalizes the text to NFC before splitting; only visible when cased).
    private static func appendComposed(_ scalars: [UInt32], to output: inout [UInt32]) {
        for scalar in string(from: scalars).precomposedStringWithCanonicalMapping.unicodeScalars {
            output.append(scalar.value)
        }
    }

    private static func string(from scalars: [UInt32]) -> String {
        var view = String.UnicodeScalarView()
        for value in scalars { view.append(Unicode.Scalar(value)!) }
        return String(view)
    }
}
