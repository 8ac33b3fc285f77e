/// Character classes of HF's BERT BasicTokenizer (`_is_control`, `_is_whitespace`,
/// `_is_punctuation`, `_is_chinese_char`), decided per Unicode scalar.
///
/// The reference runs on Python 3.11, whose `unicodedata` is Unicode 14.0; Swift's standard
/// library carries a newer table. Scalars assigned after 14.0 are therefore treated as
/// unassigned (category Cn), which the reference removes as "control", so both sides agree.
enum BertCharacterClass: UInt8, Sendable {
    /// Removed during cleaning: NUL, U+FFFD, and every category C* except tab/newline/CR.
    case removed
    /// Ends a word: space, tab, newline, CR, category Zs; also Zl/Zp, on which Python's
    /// `str.split()` splits even though `_is_whitespace` does not list them.
    case whitespace
    /// A CJK ideograph: becomes a word of its own.
    case chinese
    /// Split off as a single-character word.
    case punctuation
    /// Everything else.
    case other

    /// The Unicode version of the reference's character database.
    static let referenceUnicodeMajor = 14
    static let referenceUnicodeMinor = 0

    private static let asciiTable: [BertCharacterClass] = (0..<128).map { value in
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20: return .whitespace
        case 0x00..<0x20, 0x7F: return .removed
        case 33...47, 58...64, 91...96, 123...126: return .punctuation
        default: return .other
        }
    }

    /// Classifies one scalar.
    @inline(__always)
    static func of(_ scalar: Unicode.Scalar) -> BertCharacterClass {
        let value = scalar.value
        if value < 128 { return asciiTable[Int(value)] }
        return classifyNonASCII(scalar)
    }

    private static func classifyNonASCII(_ scalar: Unicode.Scalar) -> BertCharacterClass {
        let value = scalar.value
        if value == 0xFFFD { return .removed }
        let properties = scalar.properties
        guard isAssignedInReference(properties) else { return .removed }
        switch properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned:
            return .removed
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return .whitespace
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return .punctuation
        default:
            return isChinese(value) ? .chinese : .other
        }
    }

    /// Whether the scalar existed in the reference's Unicode version.
    @inline(__always)
    static func isAssignedInReference(_ properties: Unicode.Scalar.Properties) -> Bool {
        guard let age = properties.age else { return false }
        return age.major < referenceUnicodeMajor
            || (age.major == referenceUnicodeMajor && age.minor <= referenceUnicodeMinor)
    }

    /// The CJK Unified Ideographs blocks of `_is_chinese_char` (not Hangul, Kana, …).
    @inline(__always)
    static func isChinese(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }

    /// Scalars whose general category changed after Unicode 14.0 in a way the tokenizer sees,
    /// found by checking every scalar against the reference (TokenizerUnicodeTests):
    /// U+1171E AHOM CONSONANT SIGN MEDIAL RA was Mn in 14.0 (Mc since 15.0).
    private static let nonspacingMarksInReference: Set<UInt32> = [0x1171E]

    /// Whether the reference's accent stripping drops this scalar (category Mn in Unicode 14.0).
    @inline(__always)
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .nonspacingMark || nonspacingMarksInReference.contains(scalar.value)
    }

    /// `_is_punctuation`, for scalars produced by lower-casing and decomposition.
    @inline(__always)
    static func isPunctuation(_ value: UInt32) -> Bool {
        if value < 128 { return asciiTable[Int(value)] == .punctuation }
        switch Unicode.Scalar(value)!.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
