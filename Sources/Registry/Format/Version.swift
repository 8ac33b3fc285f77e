/// A version number of an adapter snapshot: a positive integer shown as six digits (`000042`).
///
/// Version numbers only grow; a number is never reused, even after its directory was retired,
/// so a journal line or a log message names one snapshot forever.
package struct Version: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The largest number that still fits the six-digit directory name.
    package static let maximum = 999_999

    package let rawValue: Int

    package init(rawValue: Int) {
        precondition(rawValue >= 0 && rawValue <= Self.maximum, "version \(rawValue) outside 0...\(Self.maximum)")
        self.rawValue = rawValue
    }

    package init(integerLiteral value: Int) {
        self.init(rawValue: value)
    }

    /// Parses `42`, `000042` or `v42`; returns nil for anything else.
    package init?(_ text: String) {
        var digits = Substring(text)
        if digits.first == "v" || digits.first == "V" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy(\.isASCII),
            let value = Int(digits), value >= 0
        else { return nil }
        self.init(rawValue: value)
    }

    /// The six-digit name used for the version directory and the `LIVE` pointer.
    package var name: String {
        let digits = String(rawValue)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    package var description: String { name }

    /// The number after this one.
    package var next: Version { Version(rawValue: rawValue + 1) }

    package static func < (lhs: Version, rhs: Version) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Encoded as a plain integer so scripts can compare versions numerically.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Int.self)
        guard value >= 0 && value <= Self.maximum else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "version \(value) outside 0...\(Self.maximum)")
        }
        self.init(rawValue: value)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
