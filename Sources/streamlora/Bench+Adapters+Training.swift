import Foundation
import Model

#if canImport(Glibc)
import Glibc
#endif

extension AdaptersBench {
    /// Examples/s of training the stream's `examples`, example i going to adapter i mod N: with
    /// each adapter stepping on micro-batches of its own examples (`own`), and with
    /// micro-batches of consecutive stream examples whatever their adapters, one cross-adapter
    /// step each (`mixed`: one frozen pass, each adapter's own LoRA branch, head and AdamW step).
    ///
    /// The peer is one adapter (`reference`) on the same stream, in micro-batches of `o.batch`
    /// consecutive examples, timed beside ours so both see the same machine load even when other
    /// processes come and go. During the own steps, the reference takes its next stream batch
    /// whenever it has trained fewer examples than the own steps so far. In the cross-adapter
    /// phase every micro-batch is one paired step: the cross-adapter step, the reference and a
    /// `control` (a second single adapter, so one adapter is measured against itself in the
    /// same run) each step on the same rows, in an order that cycles through all six, so none
    /// is favoured by going first or last. Each step's ratio is kept: their median and spread
    /// say how much of a pooled ratio is the machine's noise, and the control's say what "no
    /// difference" reads as on this machine at this load.
    func trainingRates(_ trainers: [BertLoRAModel], _ train: [Example], reference: BertLoRAModel,
                       control: BertLoRAModel) throws -> TrainingRates {
        let n = trainers.count
        let batches = stride(from: 0, to: train.count, by: o.batch).map { Array(train[$0..<min($0 + o.batch, train.count)]) }
        func step(_ model: BertLoRAModel, _ rows: [Example]) throws {
            _ = try model.trainStep(try TokenBatch(rows: rows.map(\.tokens)), labels: rows.map(\.label))
        }
        var own = StepCost(), oneOwn = StepCost(), ownCount = 0, oneOwnCount = 0, next = 0
        for a in 0..<n {
            let mine = stride(from: a, to: train.count, by: n).map { train[$0] }
            for chunk in stride(from: 0, to: mine.count, by: o.batch).map({ Array(mine[$0..<min($0 + o.batch, mine.count)]) }) {
                progress("training adapter \(a + 1)/\(n)")
                own += try StepCost.measure { try step(trainers[a], chunk) }
                ownCount += chunk.count
                while oneOwnCount < ownCount {
                    let rows = batches[next % batches.count]
                    next += 1
                    oneOwn += try StepCost.measure { try step(reference, rows) }
                    oneOwnCount += rows.count
                }
            }
        }
        let orders = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [2, 1, 0], [1, 0, 2]]
        var steps: [(mixed: StepCost, one: StepCost, control: StepCost)] = []
        for pass in 0..<o.mixedPasses {
            for (i, first) in stride(from: 0, to: train.count, by: o.batch).enumerated() {
                progress("cross-adapter steps \(i + 1)/\(batches.count), pass \(pass + 1)/\(o.mixedPasses) (\(n) adapters)")
                let rows = first..<min(first + o.batch, train.count)
                var local: [Int: Int] = [:], adapters: [BertLoRAModel] = []
                let rowAdapters = rows.map { i in
                    local[i % n] ?? { adapters.append(trainers[i % n]); local[i % n] = adapters.count - 1; return adapters.count - 1 }()
                }
                var costs = [StepCost](repeating: StepCost(), count: 3)
                for job in orders[steps.count % orders.count] {
                    costs[job] = try StepCost.measure {
                        switch job {
                        case 0:
                            _ = try BertLoRAModel.trainStepMixed(try TokenBatch(rows: rows.map { train[$0].tokens }), adapters: adapters,
                                                                 rowAdapters: rowAdapters, labels: rows.map { train[$0].label })
                        case 1: try step(reference, batches[i])
                        default: try step(control, batches[i])
                        }
                    }
                }
                steps.append((costs[0], costs[1], costs[2]))
            }
        }
        let count = Double(train.count * o.mixedPasses)
        let mixed = steps.reduce(StepCost()) { $0 + $1.mixed }, one = steps.reduce(StepCost()) { $0 + $1.one }
        let controlCost = steps.reduce(StepCost()) { $0 + $1.control }
        return TrainingRates(
            own: Double(ownCount) / own.wall, ownVsOne: (Double(ownCount) / own.wall) / (Double(oneOwnCount) / oneOwn.wall),
            mixed: count / mixed.wall, one: (Double(oneOwnCount) / oneOwn.wall + count / one.wall) / 2,
            mixedVsOne: PairedRatios(steps.map { ($0.one.wall, $0.mixed.wall) }),
            controlVsOne: PairedRatios(steps.map { ($0.one.wall, $0.control.wall) }),
            mixedCPUPerExample: mixed.cpu / count, oneCPUPerExample: one.cpu / count, controlCPUPerExample: controlCost.cpu / count)
    }

    /// Training examples/s, each way's ratio to one adapter on the same rows timed beside it,
    /// and process CPU seconds per example of the cross-adapter phase's three ways.
    struct TrainingRates {
        var own, ownVsOne, mixed, one: Double
        var mixedVsOne, controlVsOne: PairedRatios
        var mixedCPUPerExample, oneCPUPerExample, controlCPUPerExample: Double
    }
}

/// The throughput ratio of "ours" to a peer timed beside it, step by step: pooled (Σ peer /
/// Σ ours, the ratio of the two throughputs) and the median, 10th and 90th percentiles of the
/// steps' own ratios (how much a single step's ratio moves with the machine's load).
struct PairedRatios: Codable {
    var pooled, median, p10, p90: Double
    var steps: Int

    /// - Parameter pairs: (peer seconds, our seconds) per step, on the same work.
    init(_ pairs: [(peer: Double, ours: Double)]) {
        let ratios = pairs.map { $0.peer / $0.ours }.sorted()
        func pct(_ p: Double) -> Double { ratios.isEmpty ? .nan : ratios[min(ratios.count - 1, Int(p * Double(ratios.count)))] }
        pooled = pairs.reduce(0) { $0 + $1.peer } / pairs.reduce(0) { $0 + $1.ours }
        median = pct(0.5)
        p10 = pct(0.1)
        p90 = pct(0.9)
        steps = ratios.count
    }
}

/// Wall-clock and process CPU seconds (all threads: ours, OpenBLAS's, the dispatch pool's) of
/// some work. CPU time moves far less with the machine's load than wall time does, so it backs a
/// wall-clock ratio up; it also counts OpenBLAS's threads spinning while they wait.
struct StepCost {
    var wall = 0.0, cpu = 0.0

    static func + (a: StepCost, b: StepCost) -> StepCost { StepCost(wall: a.wall + b.wall, cpu: a.cpu + b.cpu) }
    static func += (a: inout StepCost, b: StepCost) { a = a + b }

    static func measure(_ body: () throws -> Void) rethrows -> StepCost {
        let c0 = processCPUSeconds(), t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return StepCost(wall: wall, cpu: processCPUSeconds() - c0)
    }

    /// CLOCK_PROCESS_CPUTIME_ID: CPU time of every thread of this process.
    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
