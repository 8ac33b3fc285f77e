import Testing

@testable import Learner

// Reference values come from this Python twin (h is StableHash's twin in RegistryTests/StableHashTests.swift):
//
//   def hold(s, share=0.05): return (h(s) >> 11) * 2.0**-53 < share
//   print(sum(hold(f"ex-{i}") for i in range(100000)))                     # 4957
//   print(sum(hold(f"examples/{i%4}/{i//4}") for i in range(100000)))     # 4974
//   print([f"ex-{i}" for i in range(200) if hold(f"ex-{i}")])

@Suite struct ExampleKeyTests {
    @Test func exampleKeyFallsBackToPosition() {
        #expect(ExampleKey(id: "abc", topic: "t", partition: 1, offset: 9) == .id("abc"))
        #expect(ExampleKey(id: nil, topic: "t", partition: 1, offset: 9) == .position(topic: "t", partition: 1, offset: 9))
        #expect(ExampleKey(id: "", topic: "t", partition: 1, offset: 9).canonical == "t/1/9")
        #expect(ExampleKey.position(topic: "examples", partition: 0, offset: 42).stableHash == 0x22b2_3a51_be90_192a)
    }
}

@Suite struct HoldoutSplitTests {
    @Test func shareOverHundredThousandIdsMatchesPythonAndTarget() {
        let splitter = HoldoutSplitter(share: 0.05)
        let held = (0..<100_000).count(where: { splitter.isHoldout(.id("ex-\($0)")) })
        #expect(held == 4957)  // exact count from the Python twin
        #expect(abs(Double(held) / 100_000 - 0.05) <= 0.005)
    }

    @Test func positionKeysSplitAtTheShareToo() {
        let splitter = HoldoutSplitter(share: 0.05)
        let held = (0..<100_000).count(where: {
            splitter.isHoldout(.position(topic: "examples", partition: Int32($0 % 4), offset: Int64($0 / 4)))
        })
        #expect(held == 4974)
    }

    @Test func decisionsAreStableAndMatchPython() {
        let splitter = HoldoutSplitter(share: 0.05)
        let held = (0..<200).map { "ex-\($0)" }.filter { splitter.isHoldout(.id($0)) }
        #expect(held == ["ex-3", "ex-5", "ex-8", "ex-12", "ex-84", "ex-111", "ex-196"])
        // A second splitter (as after a restart) decides identically.
        let again = HoldoutSplitter(share: 0.05)
        #expect((0..<5_000).allSatisfy { again.isHoldout(.id("ex-\($0)")) == splitter.isHoldout(.id("ex-\($0)")) })
    }

    @Test func largerShareIsASuperset() {
        let small = HoldoutSplitter(share: 0.05), large = HoldoutSplitter(share: 0.2)
        let ids = (0..<10_000).map { ExampleKey.id("x\($0)") }
        #expect(ids.allSatisfy { !small.isHoldout($0) || large.isHoldout($0) })
        #expect(HoldoutSplitter(share: 0).isHoldout(.id("ex-3")) == false)
    }
}
