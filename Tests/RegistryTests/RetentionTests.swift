import API
import Foundation
import Testing

@testable import Registry

@Suite struct RetentionTests {
    @Test func keepsLastNPlusLiveAndPinned() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(seed: 1), reason: "v1")
        try registry.write(makeSnapshot(seed: 2), status: .live, reason: "v2")
        var pinned = makeSnapshot(seed: 3)
        pinned.pinned = true
        try registry.write(pinned, reason: "v3 pinned at write")
        for i in 4...7 { try registry.write(makeSnapshot(seed: Float(i)), reason: "v\(i)") }
        try registry.pin(4, reason: "baseline for the quarterly report")

        let retired = try registry.applyRetention(keep: 2)
        #expect(retired == [1, 5])
        #expect(try registry.versions().map(\.version) == [2, 3, 4, 6, 7])
        #expect(try registry.live() == 2)
        let entries = try registry.journal().filter { $0.event == .retire }
        #expect(entries.map(\.version) == [1, 5])
        #expect(entries.allSatisfy { $0.status == .retired && $0.reason.contains("keep last 2") })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("default/versions").path)
        #expect(!leftovers.contains { $0.hasPrefix(".") })

        // Unpinning makes 4 eligible; numbers keep growing after deletions.
        try registry.pin(4, false, reason: "report done")
        #expect(try registry.applyRetention(keep: 2) == [4])
        #expect(try registry.write(makeSnapshot(seed: 8), reason: "v8").version == 8)
    }

    @Test func numbersAreNotReusedWhenTheNewestDirectoryIsGone() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(seed: 1), status: .live, reason: "v1")
        try registry.write(makeSnapshot(seed: 2), reason: "v2")
        try registry.applyRetention(keep: 0)
        #expect(try registry.versions().map(\.version) == [1])
        #expect(try registry.write(makeSnapshot(seed: 3), reason: "v3").version == 3)
    }

    @Test func keepsTheLiveVersionsParentForRollback() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        for i in 1...3 { try registry.write(makeSnapshot(seed: Float(i)), reason: "v\(i)") }
        try registry.write(makeSnapshot(seed: 4, parent: 2), status: .live, reason: "v4 from v2")
        try registry.write(makeSnapshot(seed: 5, parent: 4), reason: "v5")
        #expect(try registry.applyRetention(keep: 1) == [1, 3])
        #expect(try registry.versions().map(\.version) == [2, 4, 5])
        #expect(try registry.journal().filter { $0.event == .retire }.allSatisfy { $0.reason.contains("its parent") })
    }
}
