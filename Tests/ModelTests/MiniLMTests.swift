import Foundation
import Model
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

    /// bf16 frozen products (real MiniLM, padded batch) stay within cosine 0.999 of
    /// sentence-transformers' fp32 embeddings, and the base's bf16 packing is half its fp32 bytes.
    @Test func bf16EmbeddingsStayWithinCosine0999() throws {
        let base = try BertWeights(directory: try Fixtures.miniLM())
        let model = try BertLoRAModel(base: base, labels: 2)
        try model.setPrecision(.bf16)
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
        var denseWeights = 0
        for layer in base.layers { for t in LoRATarget.allCases { denseWeights += layer.linear(t).weight.count } }
        denseWeights += base.pooler.weight.count
        #expect(base.bf16Forward.byteCount == 2 * denseWeights, "bf16 packing holds \(base.bf16Forward.byteCount) bytes")
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
