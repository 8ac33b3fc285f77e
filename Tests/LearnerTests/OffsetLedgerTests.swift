import Registry
import Testing
@testable import Learner

@Suite struct OffsetLedgerTests {
    @Test func skipsWhatTheManifestCovers() {
        let ledger = OffsetLedger(durable: [0: 100, 1: 7])
        #expect(ledger.isAlreadyApplied(partition: 0, offset: 99))
        #expect(!ledger.isAlreadyApplied(partition: 0, offset: 100))
        #expect(!ledger.isAlreadyApplied(partition: 2, offset: 0))
    }

    @Test func pendingHoldsBackCommitsUntilDurable() {
        var a = OffsetLedger(), b = OffsetLedger()
        // Partition 0 carries both adapters' messages: a gets 10, 12; b gets 11.
        a.receive(partition: 0, offset: 10)
        b.receive(partition: 0, offset: 11)
        a.receive(partition: 0, offset: 12)
        #expect(a.isAlreadyApplied(partition: 0, offset: 12))  // redelivered while pending
        a.apply(partition: 0, offset: 10)
        a.apply(partition: 0, offset: 12)
        #expect(OffsetLedger.commitPositions(consumed: [0: 13], ledgers: [a, b]) == [0: 10])
        a.markDurable(a.snapshotOffsets)
        #expect(a.durable == [0: 13])
        // b still has 11 in its batcher: commit may not pass it.
        #expect(OffsetLedger.commitPositions(consumed: [0: 13], ledgers: [a, b]) == [0: 11])
        b.apply(partition: 0, offset: 11)
        b.markDurable(b.snapshotOffsets)
        #expect(OffsetLedger.commitPositions(consumed: [0: 13], ledgers: [a, b]) == [0: 13])
    }

    /// A group's held-out arrivals reach the ledger after its training arrivals (the holdout is
    /// kept once the step is done), so offsets arrive out of order; the commit must still stop
    /// at the lowest one not durable. Found by the residency crash harness: Kafka was committed
    /// past a held-out example (300) because the training arrival after it (301) came first.
    @Test func outOfOrderReceiptHoldsBackToTheLowest() {
        var ledger = OffsetLedger(durable: [3: 265])
        ledger.receive(partition: 3, offset: 301)  // training arrival, enqueued at takeGroup
        ledger.receive(partition: 3, offset: 300)  // held-out arrival, kept after the step
        ledger.apply(partition: 3, offset: 300)
        #expect(ledger.firstUndurable == [3: 300])
        #expect(ledger.isAlreadyApplied(partition: 3, offset: 301))
        #expect(OffsetLedger.commitPositions(consumed: [3: 302], ledgers: [ledger]) == [3: 300])
        // A snapshot now covers 300 (applied) but not 301 (still pending in the batcher).
        #expect(ledger.snapshotOffsets == [3: 301])
        ledger.markDurable(ledger.snapshotOffsets)
        #expect(OffsetLedger.commitPositions(consumed: [3: 302], ledgers: [ledger]) == [3: 301])
        ledger.apply(partition: 3, offset: 301)
        ledger.markDurable(ledger.snapshotOffsets)
        #expect(OffsetLedger.commitPositions(consumed: [3: 302], ledgers: [ledger]) == [3: 302])
    }

    @Test func pendingAfterSnapshotStaysUndurable() {
        var ledger = OffsetLedger()
        ledger.receive(partition: 3, offset: 5)
        ledger.apply(partition: 3, offset: 5)
        ledger.receive(partition: 3, offset: 8)  // waiting in the batcher at snapshot time
        let captured = ledger.snapshotOffsets
        #expect(captured == [3: 6])
        ledger.markDurable(captured)
        #expect(ledger.firstUndurable == [3: 8])
        #expect(OffsetLedger.commitPositions(consumed: [3: 9], ledgers: [ledger]) == [3: 8])
    }

    @Test func appliedAfterCaptureIsConservativelyHeldBack() {
        var ledger = OffsetLedger()
        ledger.apply(partition: 0, offset: 1)
        let captured = ledger.snapshotOffsets
        ledger.apply(partition: 0, offset: 4)  // applied while the snapshot was being written
        ledger.markDurable(captured)
        #expect(ledger.durable == [0: 2])
        #expect(ledger.firstUndurable == [0: 2])
    }

    /// Crash simulation: a restart re-reads from the committed position and skips what the
    /// manifest covers; the union of trained ids before and after equals the stream, once each.
    @Test func restartTrainsEveryExampleExactlyOnce() {
        let stream = (0..<200).map { (offset: Int64($0), id: "ex-\($0)") }
        var ledger = OffsetLedger()
        var durableDigest = TrainedIDsDigest(), liveDigest = TrainedIDsDigest()
        var committed: Int64?
        // First run: trains in batches of 7, snapshots after every third batch, dies at offset 150.
        var batch: [(Int64, String)] = []
        var batches = 0
        for message in stream.prefix(150) {
            ledger.receive(partition: 0, offset: message.offset)
            batch.append((message.offset, message.id))
            if batch.count == 7 {
                for (offset, id) in batch { ledger.apply(partition: 0, offset: offset); liveDigest.insert(id) }
                batch = []
                batches += 1
                if batches % 3 == 0 {
                    let offsets = ledger.snapshotOffsets
                    ledger.markDurable(offsets)
                    durableDigest = liveDigest
                    committed = OffsetLedger.commitPositions(consumed: [0: message.offset + 1], ledgers: [ledger])[0]
                }
            }
        }
        // kill -9: memory is gone; the manifest (durable offsets + digest) and the Kafka commit remain.
        #expect(committed == 147)
        var restarted = OffsetLedger(durable: ledger.durable)
        var digest = durableDigest
        for message in stream.drop(while: { $0.offset < (committed ?? 0) }) {
            guard !restarted.isAlreadyApplied(partition: 0, offset: message.offset) else { continue }
            restarted.receive(partition: 0, offset: message.offset)
            restarted.apply(partition: 0, offset: message.offset)
            digest.insert(message.id)
        }
        #expect(digest == TrainedIDsDigest(stream.map(\.id)))
    }
}

@Suite struct OffsetLedgerHoldoutTests {
    /// A holdout example (applied at once) overtakes a training example still in the batcher:
    /// the snapshot must not claim the batched one.
    @Test func snapshotNeverClaimsBatchedExamples() {
        var ledger = OffsetLedger(durable: [0: 20])
        ledger.receive(partition: 0, offset: 27)   // train, batched
        ledger.receive(partition: 0, offset: 29)   // holdout
        ledger.apply(partition: 0, offset: 29)
        #expect(ledger.applied == [0: 30])
        #expect(ledger.snapshotOffsets == [0: 27])
        #expect(ledger.isAlreadyApplied(partition: 0, offset: 27))  // in the batcher: a redelivery is skipped
        ledger.markDurable(ledger.snapshotOffsets)
        #expect(ledger.firstUndurable == [0: 27])
        ledger.apply(partition: 0, offset: 27)
        #expect(ledger.snapshotOffsets == [0: 30])
    }
}
