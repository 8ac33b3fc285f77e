import Foundation
import Testing
@testable import Learner

// Python twin (see StableHashTests for h):
//   ids = [f"ex-{i}" for i in range(10)]; s = x = 0
//   for i in ids: s = (s + h(i)) & M; x ^= h(i)
//   print(len(ids), "%016x" % s, "%016x" % x)   # 10 49158a05cecdcd80 eedf79c960c4dc00

@Suite struct TrainedDigestTests {
    private let ids = (0..<10).map { "ex-\($0)" }

    @Test func matchesPythonReference() {
        let digest = TrainedDigest.of(ids: ids)
        #expect(digest.count == 10)
        #expect(digest.sum == 0x4915_8a05_cecd_cd80)
        #expect(digest.xor == 0xeedf_79c9_60c4_dc00)
        #expect(digest.description == "10:49158a05cecdcd80:eedf79c960c4dc00")
    }

    @Test func orderIndependent() {
        var rng = SplitMix64(seed: 9)
        var shuffled = (0..<1_000).map { "id-\($0)" }
        shuffled.shuffle(using: &rng)
        #expect(TrainedDigest.of(ids: shuffled) == TrainedDigest.of(ids: (0..<1_000).map { "id-\($0)" }))
        // Batches merged in any order equal the whole.
        let a = TrainedDigest.of(ids: shuffled[..<400]), b = TrainedDigest.of(ids: shuffled[400...])
        #expect(a.merged(with: b) == b.merged(with: a))
        #expect(a.merged(with: b) == TrainedDigest.of(ids: shuffled))
    }

    @Test func detectsDuplicatesLossesAndSubstitutions() {
        let expected = TrainedDigest.of(ids: ids)
        #expect(TrainedDigest.of(ids: ids + ["ex-3"]) != expected)            // trained twice
        #expect(TrainedDigest.of(ids: ids.dropLast()) != expected)            // lost
        #expect(TrainedDigest.of(ids: ids.dropLast() + ["ex-10"]) != expected)  // substituted
        // A pair of duplicates cancels in xor but not in count or sum.
        let twice = TrainedDigest.of(ids: ids + ["ex-1", "ex-1"])
        #expect(twice.xor == expected.xor)
        #expect(twice.count != expected.count && twice.sum != expected.sum)
    }

    @Test func keysAndPositionsHash() {
        var digest = TrainedDigest()
        digest.insert(.position(topic: "examples", partition: 0, offset: 42))
        digest.insert(.id("a"))
        #expect(digest == TrainedDigest.of([.id("a"), .position(topic: "examples", partition: 0, offset: 42)]))
        #expect(digest.sum == 0x22b2_3a51_be90_192a &+ 0x82a2_a958_a9be_ce5b)
    }

    @Test func roundTripsThroughTextAndJSON() throws {
        let digest = TrainedDigest.of(ids: ids)
        #expect(TrainedDigest(digest.description) == digest)
        #expect(TrainedDigest("10:49158a05cecdcd80") == nil)
        #expect(TrainedDigest("x:49158a05cecdcd80:eedf79c960c4dc00") == nil)
        let data = try JSONEncoder().encode(["digest": digest])
        #expect(String(data: data, encoding: .utf8) == #"{"digest":"10:49158a05cecdcd80:eedf79c960c4dc00"}"#)
        #expect(try JSONDecoder().decode([String: TrainedDigest].self, from: data)["digest"] == digest)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([String: TrainedDigest].self, from: Data(#"{"d":"nope"}"#.utf8))
        }
    }
}
