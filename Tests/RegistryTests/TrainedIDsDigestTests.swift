import SeededRandom
import Foundation
import Model
import Testing

@testable import Registry

// Python twin (h as in StableHashTests):
//   def digest(ids):
//       s = x = 0
//       for i in ids: s = (s + h(i)) & M; x ^= h(i)
//       return len(ids), "%016x" % s, "%016x" % x
//   print(digest([f"ex-{i}" for i in range(10)]))        # (10, '49158a05cecdcd80', 'eedf79c960c4dc00')
//   print(digest([f"topic/0/{i}" for i in range(100)]))  # (100, '32d4ed3a7e0cb7f8', 'db0223648ee3fd0a')
//   print(digest([f"ex-{i}" for i in range(42)]))        # (42, '288368b81560fd69', '4b91fcf716615309')

@Suite struct TrainedIDsDigestTests {
    private let ids = (0..<10).map { "ex-\($0)" }

    @Test func matchesPythonReference() {
        let digest = TrainedIDsDigest(ids)
        #expect(digest.count == 10)
        #expect(digest.sum == 0x4915_8a05_cecd_cd80)
        #expect(digest.xor == 0xeedf_79c9_60c4_dc00)
        #expect(digest.description == "10:49158a05cecdcd80:eedf79c960c4dc00")
        let topic = TrainedIDsDigest((0..<100).map { "topic/0/\($0)" })
        #expect(topic.description == "100:32d4ed3a7e0cb7f8:db0223648ee3fd0a")
        #expect(TrainedIDsDigest((0..<42).map { "ex-\($0)" }).description == "42:288368b81560fd69:4b91fcf716615309")
    }

    /// The digest folds in exactly ``StableHash/hash(_:)``; "a" hashes to 0x82a2a958a9bece5b (Python twin).
    @Test func insertsTheStableHash() {
        var digest = TrainedIDsDigest()
        digest.insert("a")
        #expect(digest.sum == 0x82a2_a958_a9be_ce5b && digest.xor == 0x82a2_a958_a9be_ce5b && digest.count == 1)
        var byHash = TrainedIDsDigest()
        byHash.insert(hash: StableHash.hash("a"))
        #expect(byHash == digest)
    }

    @Test func orderIndependent() {
        var rng = SplitMix64(seed: 9)
        var shuffled = (0..<1_000).map { "id-\($0)" }
        shuffled.shuffle(using: &rng)
        #expect(TrainedIDsDigest(shuffled) == TrainedIDsDigest((0..<1_000).map { "id-\($0)" }))
        #expect(TrainedIDsDigest(shuffled.reversed()) == TrainedIDsDigest(shuffled))
        // Batches merged in any order equal the whole.
        let a = TrainedIDsDigest(shuffled[..<400]), b = TrainedIDsDigest(shuffled[400...])
        #expect(a.merged(with: b) == b.merged(with: a))
        #expect(a.merged(with: b) == TrainedIDsDigest(shuffled))
        var split = a
        split.merge(b)
        #expect(split == TrainedIDsDigest(shuffled))
    }

    @Test func detectsDuplicatesLossesAndSubstitutions() {
        let expected = TrainedIDsDigest(ids)
        #expect(TrainedIDsDigest(ids + ["ex-3"]) != expected)            // trained twice
        #expect(TrainedIDsDigest(ids.dropLast()) != expected)            // lost
        #expect(TrainedIDsDigest(ids.dropLast() + ["ex-10"]) != expected)  // substituted
        // A pair of duplicates cancels in xor but not in count or sum.
        let twice = TrainedIDsDigest(ids + ["ex-1", "ex-1"])
        #expect(twice.xor == expected.xor)
        #expect(twice.count != expected.count && twice.sum != expected.sum)
        // A duplicate and a loss of the same count differ from "exactly once".
        var swapped = TrainedIDsDigest(ids.dropLast())
        swapped.insert(ids[0])
        #expect(swapped.count == expected.count && swapped != expected)
    }

    /// The manifest form (`trained_ids`): count as a number, hashes as 16 hex digits so no reader
    /// loses bits above 2^53.
    @Test func roundTripsThroughManifestJSON() throws {
        let digest = TrainedIDsDigest(ids)
        let data = try RegistryJSON.encoder().encode(digest)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["count"] as? Int == 10)
        #expect(object["sum"] as? String == "49158a05cecdcd80")
        #expect(object["xor"] as? String == "eedf79c960c4dc00")
        #expect(try RegistryJSON.decoder().decode(TrainedIDsDigest.self, from: data) == digest)
        for bad in [#"{"count":10,"sum":"nope","xor":"eedf79c960c4dc00"}"#, #"{"count":10,"sum":"49158a05cecdcd80"}"#] {
            #expect(throws: DecodingError.self) {
                try RegistryJSON.decoder().decode(TrainedIDsDigest.self, from: Data(bad.utf8))
            }
        }
    }
}
