import Testing

@testable import Monitor

@Suite struct BoundedBufferTests {
    @Test func keepsTheMostRecentInOrder() {
        var buffer = BoundedBuffer<Int>(capacity: 3)
        #expect(buffer.append(1) == nil)
        #expect(buffer.append(2) == nil)
        #expect(buffer.append(3) == nil)
        #expect(buffer.isFull)
        #expect(buffer.append(4) == 1)
        #expect(buffer.append(5) == 2)
        #expect(buffer.elements == [3, 4, 5])
        buffer.removeAll()
        #expect(buffer.isEmpty)
        buffer.append(9)
        #expect(buffer.elements == [9])
    }

    @Test func holdoutBufferOfThousandKeepsLastThousand() {
        var buffer = BoundedBuffer<Int>(capacity: 1_000)
        for i in 0..<2_500 { buffer.append(i) }
        #expect(buffer.count == 1_000)
        #expect(buffer.elements == Array(1_500..<2_500))
    }
}
