import Foundation
import Testing
@testable import Model

/// Pins the BasicTokenizer stage for every Unicode scalar against the reference: cleaning,
/// whitespace, CJK spacing, Python lower-casing, accent stripping and punctuation, including
/// the reference's Unicode 14.0 tables (Swift's are newer).
@Suite struct TokenizerUnicodeTests {
    private struct Digests: Decodable {
        let block_size: Int
        let blocks: [String: String]
    }

    private static func fnv1a(_ bytes: some Sequence<UInt8>, _ state: inout UInt64) {
        for byte in bytes {
            state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
    }

    @Test func everyScalarNormalizesLikeReference() throws {
        let url = try #require(
            Bundle.module.url(forResource: "tokenizer_unicode_digests", withExtension: "json", subdirectory: "Fixtures"),
            "Fixtures/tokenizer_unicode_digests.json not in the test bundle"
        )
        let digests = try JSONDecoder().decode(Digests.self, from: Data(contentsOf: url))
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(digests.blocks.count >= 66)
        var mismatched: [String] = []
        for (blockKey, expected) in digests.blocks.sorted(by: { $0.key < $1.key }) {
            let block = try #require(UInt32(blockKey, radix: 16))
            var state: UInt64 = 0xCBF2_9CE4_8422_2325
            for value in block..<block + UInt32(digests.block_size) {
                guard let scalar = Unicode.Scalar(value) else { continue }
                for text in [String(scalar), "a\(scalar)b"] {
                    for word in tokenizer.basicWords(text) {
                        Self.fnv1a(word.utf8, &state)
                        Self.fnv1a([1], &state)
                    }
                    Self.fnv1a([2], &state)
                }
            }
            let actual = String(state, radix: 16)
            let padded = String(repeating: "0", count: 16 - actual.count) + actual
            if padded != expected { mismatched.append(blockKey) }
        }
        #expect(mismatched.isEmpty, "blocks (hex start) whose scalars normalize differently: \(mismatched)")
    }
}
