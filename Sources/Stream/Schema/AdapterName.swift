/// The rule for adapter names, checked on record keys before a record reaches the learner.
///
/// An adapter name becomes a directory under the registry, so it must be a plain file name:
/// ASCII letters, digits, `-`, `_` and `.`, not starting with `.`, at most 128 characters. The
/// registry enforces the same rule (`RegistryLayout.isValidAdapterName`; a test keeps the two equal);
/// checking it here sends a bad key to the DLQ instead of failing deep in the learner.
enum AdapterName {
    static let maxLength = 128

    /// Why `name` cannot name an adapter, or nil when it can.
    static func problem(_ name: String) -> String? {
        guard let first = name.first else { return "adapter name is empty" }
        guard name.utf8.count <= maxLength else {
            return "adapter name is \(name.utf8.count) bytes, limit is \(maxLength)"
        }
        guard first != "." else { return "adapter name must not start with '.'" }
        if let bad = name.unicodeScalars.first(where: { !isAllowed($0) }) {
            return "adapter name holds '\(bad.escaped(asASCII: true))': use ASCII letters, digits, '-', '_' and '.'"
        }
        return nil
    }

    static func isValid(_ name: String) -> Bool { problem(name) == nil }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": true
        default: false
        }
    }
}
