/// A C handle crossing into a thread closure. librdkafka handles are thread-safe,
/// the compiler just cannot know it.
struct SendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Text of a NUL-terminated error buffer filled in by librdkafka.
func string(fromErrorBuffer buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
