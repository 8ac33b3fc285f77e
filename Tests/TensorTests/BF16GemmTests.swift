import Testing
@testable import Tensor

/// Odd sizes on purpose: the kernel has row tails (m % 6), column tails (n % 64, n % 16) and an
/// odd-k pad; 384/1536 are MiniLM's shapes.
private let shapes: [(Int, Int, Int)] = [(1, 1, 1), (5, 17, 3), (7, 64, 33), (13, 130, 31), (6, 65, 128), (20, 384, 96), (9, 40, 1536)]

/// The AVX512-BF16 kernel against its naive twin. These need a CPU with AVX512_BF16 (the
/// project's machines have it); elsewhere they fail with a clear message rather than skip.
@Suite struct BF16GemmTests {
    @Test(arguments: shapes, [false, true])
    func gemmMatchesReference(shape: (Int, Int, Int), transposed: Bool) throws {
        try #require(BF16Support.available, "this CPU lacks AVX512_BF16; the bf16 kernel cannot run here")
        let (m, n, k) = shape
        let a = randomArray(m * k, seed: 11), b = randomArray(k * n, seed: 12), c0 = randomArray(m * n, seed: 13)
        let ldb = transposed ? k : n
        let packed = b.withUnsafeBufferPointer { PackedBF16Matrix(k: k, n: n, from: $0.baseAddress!, ldb: ldb, transposed: transposed) }
        for beta: Float in [0, 1] {
            let (fast, ref) = twin(c0) { c, isFast in
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        if isFast {
                            Kernels.gemmBF16(m: m, alpha: 0.5, a: ap.baseAddress!, lda: k, b: packed, beta: beta, c: c, ldc: n)
                        } else {
                            Reference.gemmBF16(m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: k, b: bp.baseAddress!,
                                               ldb: ldb, transB: transposed, beta: beta, c: c, ldc: n)
                        }
                    }
                }
            }
            // Same exact bf16 products on both sides; only the fp32 summation order differs.
            #expect(relativeError(fast, ref) < 1e-5, "m=\(m) n=\(n) k=\(k) transposed=\(transposed) beta=\(beta)")
        }
    }

    /// The products really are bf16: against an fp32 gemm the error is bf16-sized, not fp32-sized
    /// (so a kernel that silently computed in fp32 would fail the reference test above too).
    @Test func resultIsBF16NotFP32() throws {
        try #require(BF16Support.available, "this CPU lacks AVX512_BF16; the bf16 kernel cannot run here")
        let m = 8, n = 64, k = 256
        let a = randomArray(m * k, seed: 21), b = randomArray(k * n, seed: 22)
        let packed = b.withUnsafeBufferPointer { PackedBF16Matrix(k: k, n: n, from: $0.baseAddress!, ldb: n, transposed: false) }
        var bf = [Float](repeating: 0, count: m * n), fp = bf
        a.withUnsafeBufferPointer { ap in
            bf.withUnsafeMutableBufferPointer { Kernels.gemmBF16(m: m, a: ap.baseAddress!, lda: k, b: packed, c: $0.baseAddress!, ldc: n) }
            b.withUnsafeBufferPointer { bp in
                fp.withUnsafeMutableBufferPointer {
                    Reference.gemm(transA: false, transB: false, m: m, n: n, k: k, a: ap.baseAddress!, lda: k,
                                   b: bp.baseAddress!, ldb: n, c: $0.baseAddress!, ldc: n)
                }
            }
        }
        let err = relativeError(bf, fp)
        #expect(err > 1e-4 && err < 2e-2, "bf16 vs fp32 relative error \(err)")
    }

    /// Activation rounding is round-to-nearest-even, exactly as the reference rounds: with B the
    /// identity, C = bf16(A) bit for bit (ties to even included; 64 columns take the vector path).
    @Test func roundsActivationsToNearestEven() throws {
        try #require(BF16Support.available, "this CPU lacks AVX512_BF16; the bf16 kernel cannot run here")
        let m = 3, k = 67
        var a = randomArray(m * k, seed: 31, scale: 100)
        // Exact ties: 1 + 2^-8 rounds down to 1 (even), 1 + 3·2^-8 rounds up to 1 + 2^-6.
        a[0] = 1 + 0x1p-8; a[1] = 1 + 3 * 0x1p-8; a[66] = -(1 + 0x1p-8); a[70] = 1 + 0x1p-8
        var eye = [Float](repeating: 0, count: k * k)
        for i in 0..<k { eye[i * k + i] = 1 }
        let packed = eye.withUnsafeBufferPointer { PackedBF16Matrix(k: k, n: k, from: $0.baseAddress!, ldb: k, transposed: false) }
        var c = [Float](repeating: .nan, count: m * k)
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { Kernels.gemmBF16(m: m, a: ap.baseAddress!, lda: k, b: packed, c: $0.baseAddress!, ldc: k) }
        }
        #expect(c == a.map(Reference.bf16))
        #expect(c[0] == 1 && c[1] == 1 + 0x1p-6 && c[66] == -1)
    }
}

@Suite struct PrecisionSettingTests {
    private let fast = BF16Support.Probe(ratio: 2.0, bf16GFlops: 190, fp32GFlops: 95)
    private let slow = BF16Support.Probe(ratio: 0.5, bf16GFlops: 90, fp32GFlops: 180)

    @Test func explicitBF16WithoutTheInstructionsIsAClearError() {
        #expect(throws: PrecisionError.bf16Unavailable) { try PrecisionSetting.bf16.resolve(available: false, probe: { nil }) }
        #expect(PrecisionError.bf16Unavailable.description.contains("AVX512_BF16"))
    }

    @Test func autoPicksBF16OnlyWhereItIsSupportedAndFaster() throws {
        #expect(try PrecisionSetting.auto.resolve(available: false, probe: { fast }).precision == .fp32)
        #expect(try PrecisionSetting.auto.resolve(available: true, probe: { slow }).precision == .fp32)
        let pick = try PrecisionSetting.auto.resolve(available: true, probe: { fast })
        #expect(pick.precision == .bf16)
        #expect(pick.reason.contains("ratio 2.0"))
        #expect(try PrecisionSetting.fp32.resolve(available: true, probe: { fast }).precision == .fp32)
    }

    /// On this project's machines the CPU has AVX512_BF16, so an explicit bf16 resolves and the
    /// probe measures something.
    @Test func thisMachineRunsBF16() throws {
        #expect(try PrecisionSetting.bf16.resolve().precision == .bf16)
        let probe = try #require(BF16Support.probe)
        #expect(probe.ratio > 0 && probe.bf16GFlops > 0 && probe.fp32GFlops > 0)
    }
}
