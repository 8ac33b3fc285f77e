/// Lower-casing with the semantics of Python's `str.lower()`, which the reference applies to
/// each whitespace-separated token:
/// - full (possibly expanding) mappings, e.g. `İ` → `i` + U+0307;
/// - the one context rule Python implements, Final_Sigma: a capital sigma preceded by a cased
///   letter (skipping case-ignorable scalars) and not followed by one becomes `ς`, else `σ`;
/// - no locale-dependent rules (Turkish/Lithuanian), as in Python.
/// Swift's `String.lowercased()` has no Final_Sigma rule, so this works on scalars directly.
enum PythonLowercasing {
    private static let capitalSigma: UInt32 = 0x03A3

    /// Appends the lower-cased form of `token` to `output`.
    static func append(lowercasing token: [UInt32], to output: inout [UInt32]) {
        for index in token.indices {
            let value = token[index]
            if value < 128 {
                output.append((0x41...0x5A).contains(value) ? value + 32 : value)
                continue
            }
            if value == capitalSigma {
                output.append(isFinalSigma(in: token, at: index) ? 0x03C2 : 0x03C3)
                continue
            }
            let scalar = Unicode.Scalar(value)!
            let properties = scalar.properties
            if properties.changesWhenLowercased {
                for lowered in properties.lowercaseMapping.unicodeScalars { output.append(lowered.value) }
            } else {
                output.append(value)
            }
        }
    }

    /// Python's `handle_capital_sigma`:
    /// `\p{cased} \p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased})`.
    private static func isFinalSigma(in token: [UInt32], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, properties(token[before]).isCaseIgnorable { before -= 1 }
        guard before >= 0, properties(token[before]).isCased else { return false }
        var after = index + 1
        while after < token.count, properties(token[after]).isCaseIgnorable { after += 1 }
        return after == token.count || !properties(token[after]).isCased
    }

    @inline(__always)
    private static func properties(_ value: UInt32) -> Unicode.Scalar.Properties {
        Unicode.Scalar(value)!.properties
    }
}
