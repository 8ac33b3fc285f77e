import Foundation
import Testing
@testable import Model

/// Padding, masks and truncation; batch references from HF's slow BertTokenizer called with
/// `padding=True, truncation=True, max_length=…`.
@Suite struct TokenizerBatchTests {
    @Test func batchesMatchReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let batches = try TokenizerFixtures.document().batches
        #expect(batches.count >= 5)
        for reference in batches {
            let batch = tokenizer.encodeBatch(reference.texts, maxLength: reference.max_length)
            #expect(batch.batchSize == reference.texts.count)
            #expect(batch.sequenceLength == reference.input_ids.map(\.count).max())
            #expect(batch.inputIDs == reference.input_ids.flatMap { $0 })
            #expect(batch.attentionMask == reference.attention_mask.flatMap { $0 })
            #expect(batch.lengths == reference.attention_mask.map { $0.reduce(0, +) }.map(Int.init))
        }
    }

    @Test func rowsArePaddedWithPadAndMaskedOut() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let texts = ["hello", "hello world, how are you today?", ""]
        let batch = tokenizer.encodeBatch(texts)
        let longest = tokenizer.encode(texts[1])
        #expect(batch.sequenceLength == longest.count)
        #expect(Array(batch.row(1)) == longest)
        // "hello" → [CLS] hello [SEP] then padding.
        #expect(Array(batch.row(0)) == [101, 7592, 102] + Array(repeating: tokenizer.padID, count: longest.count - 3))
        #expect(Array(batch.attentionMask[0..<batch.sequenceLength]) == [1, 1, 1] + Array(repeating: 0, count: longest.count - 3))
        // The empty text is just [CLS] [SEP].
        #expect(Array(batch.row(2).prefix(2)) == [101, 102])
        #expect(batch.lengths == [3, longest.count, 2])
        #expect(tokenizer.padID == 0)
    }

    @Test func emptyBatchHasNoRows() throws {
        let batch = try TokenizerFixtures.tokenizer().encodeBatch([])
        #expect(batch.batchSize == 0 && batch.sequenceLength == 0)
        #expect(batch.inputIDs.isEmpty && batch.attentionMask.isEmpty && batch.lengths.isEmpty)
    }

    @Test(arguments: [2, 3, 8, 16, 31])
    func truncationKeepsSEPLast(maxLength: Int) throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let text = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 10)
        let pieces = tokenizer.tokenize(text).compactMap { tokenizer.id(of: $0) }
        let ids = tokenizer.encode(text, maxLength: maxLength)
        #expect(ids.count == maxLength)
        #expect(ids.first == tokenizer.clsID)
        #expect(ids.last == tokenizer.sepID)
        #expect(Array(ids.dropFirst().dropLast()) == Array(pieces.prefix(maxLength - 2)))
        let batch = tokenizer.encodeBatch([text, "short"], maxLength: maxLength)
        #expect(batch.sequenceLength == maxLength)
        #expect(batch.row(0).last == tokenizer.sepID)
    }

    @Test func shortTextIsNotPaddedByEncode() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(tokenizer.encode("hello world", maxLength: 128) == [101, 7592, 2088, 102])
    }

    /// One tokenizer value is shared by concurrent learners; results must not depend on that.
    @Test func concurrentUseGivesReferenceIds() async throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let cases = try TokenizerFixtures.document().cases
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for slice in 0..<4 {
                group.addTask {
                    var mismatches = 0
                    for index in stride(from: slice, to: cases.count, by: 4)
                    where tokenizer.encode(cases[index].text, maxLength: 4096) != cases[index].ids {
                        mismatches += 1
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
