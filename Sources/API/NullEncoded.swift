/// An optional the API's JSON always carries: `null` when nil, never a missing key, so a script
/// sees the same shape from a fresh agent and a busy one. Synthesized `Codable` writes a wrapped
/// property through the wrapper (the key is always present); a missing key still decodes as nil.
@propertyWrapper
package struct NullEncoded<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    package var wrappedValue: Value?

    package init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil, as it would for a plain optional.
    package func decode<Value>(_ type: NullEncoded<Value>.Type, forKey key: Key) throws -> NullEncoded<Value> {
        NullEncoded(wrappedValue: try decodeIfPresent(NullEncoded<Value>.self, forKey: key)?.wrappedValue)
    }
}

extension NullEncoded: Hashable where Value: Hashable {}
