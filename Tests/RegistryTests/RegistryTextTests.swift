import API
import Foundation
import Testing

@testable import Registry

@Suite struct RegistryTextTests {
    @Test func versionTableAlignsColumnsAndMarksLive() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(examples: 1500, accuracy: 0.8125), status: .live, reason: "first")
        try registry.write(makeSnapshot(seed: 2, examples: 12, accuracy: 0.5), status: .rejected, reason: "gate: 0.5000 < 0.8125 - 0.01")
        let text = RegistryText.versionTable(try registry.versions(), live: try registry.live())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("   VERSION  STATUS"))
        #expect(lines[0].contains("HOLDOUT accuracy"))
        #expect(lines[1].hasPrefix("*  000001   live"))
        #expect(lines[2].hasPrefix("   000002   rejected"))
        #expect(lines[1].contains("1,500") && lines[1].contains("0.8125"))
        #expect(lines[2].hasSuffix("gate: 0.5000 < 0.8125 - 0.01"))
        // Right-aligned numbers end in the same column.
        let end1 = try #require(lines[1].range(of: "0.8125")?.upperBound).utf16Offset(in: lines[1])
        let end2 = try #require(lines[2].range(of: "0.5000")?.upperBound).utf16Offset(in: lines[2])
        #expect(end1 == end2)
    }

    @Test func journalAndDiffRender() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), status: .live, reason: "v1")
        try registry.write(makeSnapshot(seed: 2), status: .live, reason: "v2")
        let journal = RegistryText.journalTable(try registry.journal())
        #expect(journal.split(separator: "\n").count == 5)
        #expect(journal.contains("promote   000002   000001"))
        let diff = RegistryText.diff(try registry.diff(1, 2))
        #expect(diff.hasPrefix("diff 000001 → 000002"))
        #expect(diff.contains("COSINE"))
    }
}
