import Foundation
@testable import Model
import Testing

/// The real all-MiniLM-L6-v2 against sentence-transformers (make_minilm_embeddings.py).
@Suite struct MiniLMTests {
    @Test func embeddingsMatchSentenceTransformers() throws {
        let base = try BertWeights(directory: try Fixtures.miniLM())
        #expect(base.config.hiddenSize == 384 && base.config.numHiddenLayers == 6 && base.config.layerNormEps == 1e-12)
        // A fresh adapter (B = 0) must be exactly the base model.
        let model = try BertLoRAModel(base: base, labels: 2)
        let fixture = try Fixtures.json("minilm_embeddings.json")
        let sentences = try #require(fixture["sentences"] as? [[String: Any]])
        #expect(sentences.count >= 20)
        // One padded batch for all sentences, so the attention mask is exercised too.
        let rows = sentences.map { ($0["ids"] as! [Int]).map(Int32.init) }
        let got = try model.embeddings(try TokenBatch(rows: rows))
        for (i, s) in sentences.enumerated() {
            let want = (s["embedding"] as! [Double]).map(Float.init)
            let cosine = zip(got[i], want).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine >= 0.9999, "\"\(s["text"]!)\": cosine \(cosine)")
        }
    }

    /// bf16 frozen products (real MiniLM, padded batch, word embeddings in bf16 too) stay within
    /// cosine 0.999 of sentence-transformers' fp32 embeddings, and the bf16 base holds its denses
    /// and word embeddings once, in half the fp32 bytes (no fp32 copy beside them).
    @Test func bf16EmbeddingsStayWithinCosine0999() throws {
        let base = try BertWeights(directory: try Fixtures.miniLM(), precision: .bf16)
        let model = try BertLoRAModel(base: base, labels: 2)
        #expect(model.precision == .bf16)
        let fixture = try Fixtures.json("minilm_embeddings.json")
        let sentences = try #require(fixture["sentences"] as? [[String: Any]])
        let rows = sentences.map { ($0["ids"] as! [Int]).map(Int32.init) }
        let got = try model.embeddings(try TokenBatch(rows: rows))
        var worst: Float = 1
        for (i, s) in sentences.enumerated() {
            let want = (s["embedding"] as! [Double]).map(Float.init)
            let cosine = zip(got[i], want).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            worst = min(worst, cosine)
            #expect(cosine >= 0.999, "\"\(s["text"]!)\": bf16 cosine \(cosine)")
        }
        #expect(worst < 0.999_999, "bf16 embeddings equal fp32 to 1e-6: the bf16 path did not run (worst cosine \(worst))")
        // Every dense is a bf16 packing, 2 bytes per weight (MiniLM's shapes are multiples of 64: no padding).
        let denses = base.layers.flatMap { layer in LoRATarget.allCases.map { layer.linear($0).weight } } + [base.pooler.weight]
        #expect(denses.allSatisfy { $0.precision == .bf16 && $0.byteCount == 2 * $0.count })
        #expect(base.wordEmbeddings.byteCount == 2 * base.wordEmbeddings.count)
        // The whole base: 22.7 M parameters; fp32 would be 90.9 MB, bf16 keeps everything but the
        // biases, norms and the position/type tables (≈ 0.85 MB of fp32) at 2 bytes.
        let fp32Bytes = 4 * base.parameterCount
        #expect(base.byteCount < fp32Bytes / 2 + 1_000_000, "bf16 base holds \(base.byteCount) bytes of \(fp32Bytes)")
    }

    @Test func parameterCountsOfDefaultAdapter() throws {
        let base = try BertWeights(directory: try Fixtures.miniLM())
        let model = try BertLoRAModel(base: base, lora: LoRAConfig(rank: 8, targets: [.query, .value]), labels: 2)
        // query+value on 6 layers: 6 · 2 · 8 · (384 + 384); classifier 2 · 384 + 2.
        #expect(model.trainableParameterCount == 6 * 2 * 8 * 768 + 2 * 384 + 2)
        // BertModel's parameter count (sum of numel in transformers) is 22,713,216.
        #expect(base.parameterCount == 22_713_216)
        #expect(model.totalParameterCount == 22_713_216 + model.trainableParameterCount)
    }
}
