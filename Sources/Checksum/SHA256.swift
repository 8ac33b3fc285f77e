import Crypto
import Foundation

/// SHA-256 (FIPS 180-4), streaming: swift-crypto's (BoringSSL, with the CPU's SHA extensions where
/// it has them). Every version's files are hashed when it is verified, which a restart or
/// rebalance does for every registered adapter: with 20,000 adapters the portable Swift rounds
/// this replaced took 76 s there.
package struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    package init() {}

    /// Feeds bytes.
    package mutating func update<D: DataProtocol>(_ data: D) {
        hasher.update(data: data)
    }

    /// Feeds raw bytes without copying them.
    package mutating func update(bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// Finishes and returns the 32-byte digest.
    package mutating func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }

    /// Lower-case hex digest of some bytes.
    package static func hex<D: DataProtocol>(_ data: D) -> String {
        var hasher = SHA256()
        hasher.update(data)
        return hexString(hasher.finalize())
    }

    package static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
