import API
import Foundation
import Testing

@testable import Registry

@Suite struct StatusTests {
    @Test func promoteSwapsLiveAtomicallyAndSupersedesTheOldOne() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        #expect(try registry.live() == nil)
        try registry.write(makeSnapshot(), status: .live, reason: "first version")
        try registry.write(makeSnapshot(seed: 2, accuracy: 0.9), reason: "candidate")
        let liveFile = dir.url.appendingPathComponent("default/LIVE")
        #expect(try String(contentsOf: liveFile, encoding: .utf8) == "000001\n")

        let promoted = try registry.promote(2, reason: "gate: accuracy 0.90 >= live 0.80 - 0.01")
        #expect(promoted.status == .live)
        #expect(try String(contentsOf: liveFile, encoding: .utf8) == "000002\n")
        #expect(!FileManager.default.fileExists(atPath: liveFile.path + ".tmp"))
        let statuses = try registry.versions().map { "\($0.version):\($0.status.rawValue)" }
        #expect(statuses == ["000001:superseded", "000002:live"])
        #expect(try registry.manifest(1).reason == "superseded by 000002")

        let journal = try registry.journal()
        #expect(journal.map(\.event) == [.snapshot, .promote, .snapshot, .promote])
        let last = try #require(journal.last)
        #expect(last.version == 2 && last.previous == 1 && last.status == .live)
        #expect(last.reason == "gate: accuracy 0.90 >= live 0.80 - 0.01")
        #expect(last.numbers["holdout.accuracy"] == 0.9)
        #expect(expectRegistryError { try registry.promote(2, reason: "again") }.contains("already live"))
    }

    @Test func rejectKeepsTheVersionWithItsReason() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), status: .live, reason: "v1")
        try registry.write(makeSnapshot(seed: 2, accuracy: 0.5), reason: "v2")
        try registry.reject(2, reason: "gate: accuracy 0.50 < live 0.80 - 0.01", numbers: ["holdout.accuracy": 0.5])
        let m = try registry.manifest(2)
        #expect(m.status == .rejected)
        #expect(m.reason.hasPrefix("gate: accuracy 0.50"))
        #expect(m.statusChangedAt != nil)
        #expect(try registry.live() == 1)
        #expect(try registry.journal().last?.event == .reject)
        #expect(try registry.journal().last?.numbers["holdout.accuracy"] == 0.5)
        #expect(expectRegistryError { try registry.reject(1, reason: "x") }.contains("is live"))
        #expect(expectRegistryError { try registry.reject(9, reason: "x") }.contains("no version 000009"))
    }

    @Test func rollbackDefaultsToThePreviousGoodLiveVersion() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(seed: 1), status: .live, reason: "v1")    // live 1
        try registry.write(makeSnapshot(seed: 2), status: .live, reason: "v2")    // live 2
        try registry.write(makeSnapshot(seed: 3), reason: "v3")                    // candidate, never live
        try registry.write(makeSnapshot(seed: 4), status: .live, reason: "v4")    // live 4

        // Previous live is 2 (3 was never live, even though it is newer).
        #expect(try registry.defaultRollbackTarget() == 2)
        let now = try registry.rollback(reason: "prequential accuracy fell 0.12 after promotion")
        #expect(now == 2)
        #expect(try registry.live() == 2)
        #expect(try registry.manifest(2).reason == "restored by rollback from 000004: prequential accuracy fell 0.12 after promotion")
        let four = try registry.manifest(4)
        #expect(four.status == .rejected)
        #expect(four.reason == "rolled back to 000002: prequential accuracy fell 0.12 after promotion")
        let entry = try #require(try registry.journal().last)
        #expect(entry.event == .rollback && entry.version == 2 && entry.previous == 4)

        // Rolling back again skips the rejected 4 and goes to 1.
        #expect(try registry.rollback(reason: "still bad") == 1)
        #expect(try registry.manifest(2).status == .rejected)
        // Nothing good and earlier is left.
        #expect(expectRegistryError { try registry.rollback(reason: "more") }.contains("no version to roll back to"))
        // An explicit target that was rejected needs promote; a never-live candidate is fine.
        #expect(expectRegistryError { try registry.rollback(to: 4, reason: "x") }.contains("promote it explicitly"))
        #expect(try registry.rollback(to: 3, reason: "operator choice") == 3)
        #expect(try registry.manifest(3).status == .live)
    }

    @Test func promotingARejectedVersionRecordsTheOverride() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), status: .live, reason: "v1")
        try registry.write(makeSnapshot(seed: 2), status: .rejected, reason: "gate failed")
        let m = try registry.promote(2, reason: "operator override")
        #expect(m.reason == "operator override (overriding an earlier rejection: gate failed)")
        #expect(try registry.live() == 2)
    }

    @Test func rollbackWithNothingLiveIsAClearError() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), reason: "v1")
        #expect(expectRegistryError { try registry.rollback(reason: "x") }.contains("nothing is live"))
    }
}
