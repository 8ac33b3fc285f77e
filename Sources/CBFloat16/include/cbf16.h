#ifndef STREAMLORA_CBF16_H
#define STREAMLORA_CBF16_H

/// bf16 × bf16 → fp32 matrix products on CPUs with AVX512-BF16 (`vdpbf16ps`).
///
/// The right-hand matrix is a frozen weight, packed once into bf16 panels; the left-hand side
/// (activations) stays fp32 in memory and is rounded to bf16 (round-to-nearest-even) per call.
/// Products are exact in fp32 and accumulate in fp32. Everything here compiles on any x86-64
/// (the AVX-512 code is enabled per function), so a build runs on CPUs without bf16; calling
/// `slbf16_gemm` there is a programming error — check `slbf16_supported()` first.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU reports AVX512F, AVX512BW, AVX512VL and AVX512_BF16 and the OS saves zmm state.
int slbf16_supported(void);

/// 1 when the CPU reports AMX-BF16 (informational: the kernels here use AVX512-BF16).
int slbf16_amx_reported(void);

/// Number of uint16 elements a packed k × n matrix occupies (panels of 64 columns, k padded to even).
size_t slbf16_packed_count(long k, long n);

/// Packs op(B) (k × n) into `packed` (64-byte aligned, `slbf16_packed_count(k, n)` elements).
/// `trans == 0`: op(B)[p][j] = b[p·ldb + j]; `trans != 0`: op(B)[p][j] = b[j·ldb + p] (a row-major
/// (n, k) weight used as Wᵀ). Values are rounded to bf16 with round-to-nearest-even.
void slbf16_pack(long k, long n, const float *b, long ldb, int trans, uint16_t *packed);

/// C (m × n) = alpha · bf16(A) · B + beta · C, A (m × k) fp32 row-major with row stride lda,
/// B packed by `slbf16_pack`. beta == 0 never reads C. Single-threaded; callers run one per thread.
/// Needs `slbf16_supported()`.
void slbf16_gemm(long m, long n, long k, float alpha, const float *a, long lda,
                 const uint16_t *packed, float beta, float *c, long ldc);

/// Column blocks [block_begin, block_end) (64 columns each, see `slbf16_column_blocks`) of
/// C (m × n) = alpha · bf16(A) · op(B) + beta · C. `trans == 0`: `packed` holds op(B) (k × n), as
/// for `slbf16_gemm`. `trans != 0`: `packed` holds a matrix M (n × k) packed by
/// `slbf16_pack(n, k, …)` and op(B) = Mᵀ, so one packing of a frozen weight serves both x·Wᵀ and
/// dy·W (each column block of Mᵀ is repacked into a thread-local panel on the fly). Disjoint block
/// ranges write disjoint columns of C, so threads may run ranges of one product concurrently.
void slbf16_gemm_blocks(long m, long n, long k, float alpha, const float *a, long lda, const uint16_t *packed,
                        int trans, long block_begin, long block_end, float beta, float *c, long ldc);

/// Number of 64-column blocks of an n-column product.
long slbf16_column_blocks(long n);

/// The exact bf16 values of a packing back in fp32: op(B) (k × n) into `out` with row stride ldo
/// (`trans == 0`), or its transpose (`trans != 0`, out[j·ldo + p], the inverse of `slbf16_pack`'s trans).
void slbf16_unpack(long k, long n, const uint16_t *packed, int trans, float *out, long ldo);

/// Median over `rounds` back-to-back runs of (bf16 dot-product flop rate) / (fp32 FMA flop rate),
/// register-only loops of `iterations` steps each; the best rates seen go to the out-parameters
/// (either may be NULL). 0 when bf16 is not supported.
double slbf16_probe(int rounds, long iterations, double *bf16_gflops, double *fp32_gflops);

/// bf16 (round-to-nearest-even, NaN kept quiet) as the packing and scalar tails use it.
uint16_t slbf16_from_float(float x);

#ifdef __cplusplus
}
#endif

#endif
