import Foundation
@testable import Model
import Testing

/// Training rows of several adapters in one pass (one frozen base pass, each row's own LoRA
/// branches and head) gives each adapter the gradients and the AdamW step it gets training
/// alone on its rows. Adapters differ in rank, alpha, rsLoRA, targets, layers, label count and
/// optimizer settings. (Agreement with PEFT: RegistryTests.PEFTVariantTests+Training.)
@Suite struct MixedTrainingTests {
    let support: MixedBatchTests
    init() throws { support = try MixedBatchTests() }

    let rows = [0, 1, 2, 1, 0, 2, 1]
    let labels = [2, 4, 1, 0, 1, 0, 3]

    /// The rows of `batch` that belong to adapter `a`, as their own batch.
    func rowsOf(_ a: Int) throws -> (TokenBatch, [Int]) {
        let all = try support.batch
        let mine = rows.indices.filter { rows[$0] == a }
        let ids = mine.map { b in (0..<all.seq).compactMap { t in all.mask[b * all.seq + t] != 0 ? all.ids[b * all.seq + t] : nil } }
        return (try TokenBatch(rows: ids), mine.map { labels[$0] })
    }

    func gradients(_ model: BertLoRAModel) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.gradientTensors().map { ($0.name, $0.data) })
    }

    @Test(arguments: [1, 2, 4])
    func mixedGradientsEqualEachAdapterAlone(threads: Int) throws {
        let mixed = try support.adapters, alone = try support.adapters
        for m in mixed + alone { m.threads = threads }
        let losses = try BertLoRAModel.computeGradientsMixed(try support.batch, adapters: mixed, rowAdapters: rows, labels: labels)
        for a in alone.indices {
            let (batch, mine) = try rowsOf(a)
            let loss = try alone[a].computeGradients(batch, labels: mine)
            #expect(abs(losses[a] - loss) <= 1e-4 * abs(loss), "adapter \(a) loss")
            let expected = gradients(alone[a]), got = gradients(mixed[a])
            #expect(Set(got.keys) == Set(expected.keys))
            for (name, g) in expected {
                #expect(g.contains { $0 != 0 }, "adapter \(a): \(name) has an all-zero gradient (vacuous)")
                #expect(relativeError(got[name] ?? [], g) <= 1e-4, "adapter \(a): \(name)")
            }
        }
    }

    @Test func eachAdapterTakesItsOwnStep() throws {
        let mixed = try support.adapters, alone = try support.adapters
        for (i, m) in (mixed + alone).enumerated() {
            // Different learning rates per adapter: a step must use the adapter's own settings.
            m.optimizer.learningRate = [1e-2, 3e-3, 2e-2][i % 3]
            m.optimizer.maxGradNorm = i % 3 == 1 ? 0.05 : nil
        }
        let weights: [Float] = [1, 0.5, 2, 1, 1.5, 1, 0]
        for _ in 0..<2 {
            let results = try BertLoRAModel.trainStepMixed(try support.batch, adapters: mixed, rowAdapters: rows,
                                                           labels: labels, weights: weights)
            for a in alone.indices {
                let (batch, mine) = try rowsOf(a)
                let own = try alone[a].trainStep(batch, labels: mine, weights: rows.indices.filter { rows[$0] == a }.map { weights[$0] })
                #expect(results[a].applied && own.applied)
                #expect(abs(results[a].gradNorm - own.gradNorm) <= 1e-4 * own.gradNorm, "adapter \(a)")
                #expect(relativeError(results[a].logits.flatMap { $0 }, own.logits.flatMap { $0 }) <= 1e-4, "adapter \(a) logits")
            }
        }
        for a in alone.indices {
            #expect(mixed[a].step == 2)
            let before = try support.adapters[a].adapterTensors(), after = mixed[a].adapterTensors()
            for (m, (o, b)) in zip(after, zip(alone[a].adapterTensors(), before)) {
                #expect(relativeError(m.data, o.data) <= 1e-4, "adapter \(a): \(m.name)")
                #expect(m.data != b.data, "adapter \(a): \(m.name) did not move (vacuous)")
            }
        }
    }

    @Test func aNonFiniteStepLeavesOnlyItsAdapterUnchanged() throws {
        let adapters = try support.adapters
        let before = adapters.map { $0.adapterTensors() }
        var weights = [Float](repeating: 1, count: rows.count)
        weights[2] = .infinity  // adapter 2's loss is non-finite
        let results = try BertLoRAModel.trainStepMixed(try support.batch, adapters: adapters, rowAdapters: rows,
                                                       labels: labels, weights: weights)
        #expect(!results[2].applied && adapters[2].step == 0)
        #expect(adapters[2].adapterTensors() == before[2])
        #expect(results[0].applied && results[1].applied && adapters[0].adapterTensors() != before[0])
    }

    /// An update that overflows (finite loss and gradients, absurd learning rate) is the one case
    /// the rollback copy is taken for: only that adapter stays bitwise unchanged.
    @Test func anOverflowingUpdateLeavesOnlyItsAdapterUnchanged() throws {
        let adapters = try support.adapters
        adapters[1].optimizer.learningRate = 1e38
        adapters[1].optimizer.maxGradNorm = nil
        let before = adapters.map { $0.adapterTensors() }
        let results = try BertLoRAModel.trainStepMixed(try support.batch, adapters: adapters, rowAdapters: rows, labels: labels)
        #expect(results[1].loss.isFinite && results[1].gradNorm.isFinite)
        #expect(!results[1].applied && results[1].skipReason == "update produced non-finite parameters" && adapters[1].step == 0)
        #expect(adapters[1].adapterTensors().map(\.data).elementsEqualBitwise(before[1].map(\.data)))
        #expect(adapters[1].adamM.array.allSatisfy { $0 == 0 } && adapters[1].adamV.array.allSatisfy { $0 == 0 })
        #expect(results[0].applied && results[2].applied && adapters[0].adapterTensors() != before[0])
    }

    @Test func refusesAdaptersWithoutRowsOrListedTwice() throws {
        let adapters = try support.adapters
        #expect(throws: ModelError.self) {
            try BertLoRAModel.trainStepMixed(try support.batch, adapters: adapters, rowAdapters: [0, 1, 0, 1, 0, 1, 0], labels: [0, 0, 0, 0, 0, 0, 0])
        }
        #expect(throws: ModelError.self) {
            try BertLoRAModel.trainStepMixed(try support.batch, adapters: [adapters[0], adapters[0]], rowAdapters: [0, 1, 0, 1, 0, 1, 0], labels: [0, 0, 0, 0, 0, 0, 0])
        }
        #expect(throws: ModelError.self) {
            try BertLoRAModel.trainStepMixed(try support.batch, adapters: adapters, rowAdapters: rows, labels: [3, 0, 0, 0, 0, 0, 0])
        }
    }
}
