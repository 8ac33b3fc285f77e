import Foundation

/// Turns rows of JSONL or CSV into schema-conforming records for `streamlora feed`.
package struct FeedNormalizer: Sendable {
    /// Source field holding the text (renamed to `text`).
    package var textField: String
    /// Source field holding the label (renamed to `label`).
    package var labelField: String
    /// Field whose value becomes the record key (adapter name); removed from the value.
    package var keyField: String?
    /// Fixed key for every record (wins over `keyField`).
    package var key: String?
    private let validator = ExampleDecoder()

    package init(textField: String = "text", labelField: String = "label", keyField: String? = nil, key: String? = nil) {
        self.textField = textField
        self.labelField = labelField
        self.keyField = keyField
        self.key = key
    }

    /// A row that could not be normalized: where and why.
    package struct Invalid: Error, Sendable, CustomStringConvertible {
        package let line: Int
        package let reason: String
        package var description: String { "line \(line): \(reason)" }
    }

    /// Normalizes one JSON object (a JSONL line).
    package func normalize(jsonLine: String, line: Int) -> Result<(key: String?, value: [UInt8]), Invalid> {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8))) as? [String: Any] else {
            return .failure(Invalid(line: line, reason: "not a JSON object"))
        }
        return normalize(object, line: line)
    }

    /// Normalizes one CSV row given the header.
    package func normalize(csvRow row: [String], header: [String], line: Int) -> Result<(key: String?, value: [UInt8]), Invalid> {
        guard row.count == header.count else {
            return .failure(Invalid(line: line, reason: "\(row.count) columns, header has \(header.count)"))
        }
        var object: [String: Any] = [:]
        for (name, cell) in zip(header, row) {
            switch name {
            case "ts", "weight":
                guard !cell.isEmpty else { continue }
                guard let number = Double(cell) else { return .failure(Invalid(line: line, reason: "column '\(name)' is not a number")) }
                object[name] = number
            case "features":
                let parts = cell.split(separator: " ").map { Double($0) }
                guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                    return .failure(Invalid(line: line, reason: "column 'features' must hold space-separated numbers"))
                }
                object[name] = parts.map { $0! }
            default:
                object[name] = cell
            }
        }
        return normalize(object, line: line)
    }

    private func normalize(_ source: [String: Any], line: Int) -> Result<(key: String?, value: [UInt8]), Invalid> {
        var object = source
        var recordKey = key
        if let keyField {
            if recordKey == nil, let value = object[keyField] { recordKey = "\(value)" }
            object[keyField] = nil
        }
        if textField != "text", let text = object.removeValue(forKey: textField) { object["text"] = text }
        if labelField != "label", let label = object.removeValue(forKey: labelField) { object["label"] = label }
        var out: [String: Any] = [:]
        for field in ["text", "features", "label", "id", "ts", "weight"] { out[field] = object[field] }
        guard JSONSerialization.isValidJSONObject(out),
              let data = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return .failure(Invalid(line: line, reason: "cannot encode as JSON"))
        }
        let value = [UInt8](data)
        // Never send what the consumer would dead-letter.
        if case .failure(let rejection) = validator.decode(key: recordKey.map { Array($0.utf8) }, value: value) {
            return .failure(Invalid(line: line, reason: rejection.description))
        }
        return .success((recordKey, value))
    }
}

/// Splits CSV text (RFC 4180: quoted fields, doubled quotes, newlines inside quotes) into rows.
package func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var iterator = text.makeIterator()
    var pending: Character? = nil
    func nextChar() -> Character? {
        if let p = pending { pending = nil; return p }
        return iterator.next()
    }
    while let c = nextChar() {
        if quoted {
            if c == "\"" {
                if let n = nextChar() {
                    if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                } else { quoted = false }
            } else {
                field.append(c)
            }
            continue
        }
        switch c {
        case "\"": quoted = true
        case ",": row.append(field); field = ""
        case "\n", "\r\n", "\r":
            row.append(field); field = ""
            if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
            row = []
        default: field.append(c)
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}
