import SeededRandom
import Model
import Testing
@testable import Learner

// SplitMix64 reference (Python):
//   M = (1 << 64) - 1; st = 42
//   for _ in range(3):
//       st = (st + 0x9e3779b97f4a7c15) & M; z = st
//       z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
//       z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
//       print(hex(z ^ (z >> 31)))
// → 0xbdd732262feb6e95, 0x28efe333b266f103, 0x47526757130f9f52

// Reservoir reference (Python, with SplitMix64 above as class SM and Lemire's bounded draw):
//   def below(s, b):
//       p = s.next() * b; lo = p & M
//       if lo < b:
//           t = ((1 << 64) - b) % b
//           while lo < t: p = s.next() * b; lo = p & M
//       return p >> 64
//   rng = SM(5); res = []; seen = 0
//   for i in range(100):
//       seen += 1
//       if len(res) < 5: res.append(i); continue
//       j = rng.below(seen)
//       if j < 5: res[j] = i
//   # res == [80, 9, 25, 88, 32]
//   idx = list(range(5)); out = []
//   for i in range(3):
//       j = i + rng.below(5 - i); idx[i], idx[j] = idx[j], idx[i]; out.append(res[idx[i]])
//   # out == [9, 80, 25]

@Suite struct ReplayTests {
    /// Pins the exact algorithm so replay is identical on every platform and Swift version.
    @Test func reservoirMatchesPythonReference() {
        var reservoir = ReplayReservoir<Int>(capacity: 5, seed: 5)
        for i in 0..<100 { reservoir.offer(i) }
        #expect(reservoir.elements == [80, 9, 25, 88, 32])
        #expect(reservoir.draw(3) == [9, 80, 25])
    }

    @Test func splitMixMatchesReference() {
        var rng = SplitMix64(seed: 42)
        #expect(rng.next() == 0xbdd7_3226_2feb_6e95)
        #expect(rng.next() == 0x28ef_e333_b266_f103)
        #expect(rng.next() == 0x4752_6757_130f_9f52)
    }

    @Test func boundedDrawsStayInRangeAndCoverIt() {
        var rng = SplitMix64(seed: 7)
        var seen = Set<UInt64>()
        for _ in 0..<2_000 {
            let value = rng.next(below: 10)
            #expect(value < 10)
            seen.insert(value)
        }
        #expect(seen.count == 10)
    }

    @Test func reservoirFillsThenStaysAtCapacity() {
        var reservoir = ReplayReservoir<Int>(capacity: 5, seed: 1)
        for i in 0..<3 { reservoir.offer(i) }
        #expect(reservoir.elements == [0, 1, 2])
        for i in 3..<100 { reservoir.offer(i) }
        #expect(reservoir.count == 5)
        #expect(reservoir.seen == 100)
        #expect(Set(reservoir.elements).count == 5)
        #expect(reservoir.elements.allSatisfy { (0..<100).contains($0) })
    }

    @Test func zeroCapacityDisablesReplay() {
        var reservoir = ReplayReservoir<Int>(capacity: 0, seed: 1)
        for i in 0..<10 { reservoir.offer(i) }
        #expect(reservoir.count == 0)
        #expect(reservoir.draw(4).isEmpty)
    }

    /// Every stream position must be equally likely to be in the reservoir.
    /// 2,000 runs over a 1,000-long stream with capacity 50; inclusions are counted in 10
    /// buckets of 100 positions (expected 10,000 each). Pearson's χ² with 9 degrees of
    /// freedom must stay below 27.88 (scipy.stats.chi2.ppf(0.999, 9)); a reservoir biased
    /// towards early or late items (the usual off-by-one) gives χ² in the thousands.
    @Test func reservoirIsUniform() {
        var rng = SplitMix64(seed: 2024)
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<2_000 {
            var reservoir = ReplayReservoir<Int>(capacity: 50, seed: rng.next())
            for i in 0..<1_000 { reservoir.offer(i) }
            for item in reservoir.elements { buckets[item / 100] += 1 }
        }
        let expected = 2_000.0 * 50 / 10
        let chiSquare = buckets.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(buckets.reduce(0, +) == 100_000)
        #expect(chiSquare < 27.88, "χ² = \(chiSquare), buckets \(buckets)")
    }

    @Test func sameSeedSameSample() {
        func run(_ seed: UInt64) -> [Int] {
            var reservoir = ReplayReservoir<Int>(capacity: 20, seed: seed)
            for i in 0..<1_000 { reservoir.offer(i) }
            return reservoir.draw(8)
        }
        #expect(run(5) == run(5))
        #expect(run(5) != run(6))
    }

    @Test func drawIsWithoutReplacement() {
        var reservoir = ReplayReservoir<Int>(capacity: 10, seed: 3)
        for i in 0..<10 { reservoir.offer(i) }
        let drawn = reservoir.draw(10)
        #expect(drawn.sorted() == Array(0..<10))
        #expect(reservoir.draw(50).count == 10)
        #expect(reservoir.count == 10)
    }

    @Test func mixSplitsBatches() {
        let mix = ReplayMix(batchSize: 16, share: 0.25)
        #expect(mix.freshCapacity == 12)
        #expect(mix.replayCount(fresh: 12, available: 1_000) == 4)
        #expect(mix.replayCount(fresh: 12, available: 2) == 2)
        #expect(mix.replayCount(fresh: 3, available: 1_000) == 1)  // partial batch: round(3 · 1/3)
        #expect(mix.replayCount(fresh: 0, available: 1_000) == 0)
        let none = ReplayMix(batchSize: 16, share: 0)
        #expect(none.freshCapacity == 16)
        #expect(none.replayCount(fresh: 16, available: 1_000) == 0)
        #expect(ReplayMix(batchSize: 1, share: 0.9).freshCapacity == 1)
    }
}
