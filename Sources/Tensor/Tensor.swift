/// A contiguous, row-major `Float` buffer with a shape.
///
/// The storage is allocated once with a fixed capacity; `reshape(_:)` reuses it for any shape that
/// fits, so the training loop can size its workspace once per (batch, sequence) shape and never
/// allocate again (llm.c style). Kernels take raw pointers (`ptr`), not tensors, so the same
/// storage can be viewed at any offset without copying.
package final class Tensor: @unchecked Sendable {
    /// Current logical shape; `count` is its product.
    package private(set) var shape: [Int]
    /// Number of elements in the current shape.
    package private(set) var count: Int
    /// Number of elements the storage can hold.
    package let capacity: Int
    /// Start of the storage (64-byte aligned for BLAS).
    package let ptr: UnsafeMutablePointer<Float>

    /// Allocates a zero-filled tensor.
    /// - Parameter capacity: storage size; defaults to the element count of `shape`.
    package init(shape: [Int], capacity: Int? = nil) {
        let n = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        let cap = Swift.max(capacity ?? n, n, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: cap * MemoryLayout<Float>.stride, alignment: 64)
        ptr = raw.bindMemory(to: Float.self, capacity: cap)
        ptr.initialize(repeating: 0, count: cap)
        self.shape = shape
        self.count = n
        self.capacity = cap
    }

    /// Copies `values` into a new tensor of the given shape.
    package convenience init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { ptr.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { ptr.deallocate() }

    /// Changes the logical shape without reallocating.
    /// - Precondition: the new element count fits into `capacity`.
    func reshape(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        precondition(n <= capacity, "shape \(newShape) needs \(n) elements, capacity is \(capacity)")
        shape = newShape
        count = n
    }

    /// Sets every element of the current shape to zero.
    package func zero() { ptr.update(repeating: 0, count: count) }

    /// The current elements as an array (for tests, export and small results).
    package var array: [Float] { Array(UnsafeBufferPointer(start: ptr, count: count)) }

    /// Element access by flat index (not for hot loops).
    package subscript(i: Int) -> Float {
        get { ptr[i] }
        set { ptr[i] = newValue }
    }

    /// True when every element of the current shape is finite.
    package var isFinite: Bool { Kernels.allFinite(ptr, count) }
}
