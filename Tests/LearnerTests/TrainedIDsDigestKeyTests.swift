import Registry
import Testing

@testable import Learner

// The digest type, its Python-reference values, order independence and difference detection are
// tested in RegistryTests/TrainedIDsDigestTests.swift; this suite covers the Learner's ExampleKey
// entry points. Hash values are from the Python twin in RegistryTests/StableHashTests.swift:
//   h("examples/0/42") == 0x22b23a51be90192a, h("a") == 0x82a2a958a9bece5b

@Suite struct TrainedIDsDigestKeyTests {
    @Test func keysAndPositionsHash() {
        var digest = TrainedIDsDigest()
        digest.insert(.position(topic: "examples", partition: 0, offset: 42))
        digest.insert(ExampleKey.id("a"))
        #expect(digest == TrainedIDsDigest([ExampleKey.id("a"), .position(topic: "examples", partition: 0, offset: 42)]))
        #expect(digest.sum == 0x22b2_3a51_be90_192a &+ 0x82a2_a958_a9be_ce5b)
        #expect(digest.count == 2)
    }

    /// An id key digests exactly like the bare id string, so the expected digest of a crash test can
    /// be computed from the producer's ids alone.
    @Test func idKeysEqualTheirIds() {
        let ids = (0..<10).map { "ex-\($0)" }
        #expect(TrainedIDsDigest(ids.map(ExampleKey.id)) == TrainedIDsDigest(ids))
        #expect(TrainedIDsDigest(ids.map(ExampleKey.id)).description == "10:49158a05cecdcd80:eedf79c960c4dc00")
        let position = ExampleKey(id: nil, topic: "t", partition: 1, offset: 9)
        #expect(TrainedIDsDigest([position]) == TrainedIDsDigest(["t/1/9"]))
    }
}
