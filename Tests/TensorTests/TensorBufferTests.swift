import Testing
@testable import Tensor

@Suite struct TensorBufferTests {
    @Test func reshapeReusesStorage() {
        let t = Tensor(shape: [4, 8])
        let base = t.ptr
        t.reshape([2, 3])
        #expect(t.count == 6 && t.ptr == base && t.capacity == 32)
        t.reshape([4, 8])
        #expect(t.count == 32)
    }

    @Test func valuesRoundTrip() {
        let t = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        #expect(t.array == [1, 2, 3, 4] && t[3] == 4 && t.isFinite)
        t[1] = .nan
        #expect(!t.isFinite)
        t.zero()
        #expect(t.array == [0, 0, 0, 0])
    }
}
