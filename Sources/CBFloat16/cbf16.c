// AVX512-BF16 gemm: C = alpha · bf16(A) · B + beta · C with B pre-packed.
//
// Packed B layout: column blocks of NB = 64; inside a block, for each k pair p, 4 panels of 16
// columns, each panel 16 × (B[2p][j], B[2p+1][j]) bf16 pairs = one zmm for `vdpbf16ps`, which
// adds a[2p]·b[2p][j] + a[2p+1]·b[2p+1][j] into lane j. So one k pair of a block is 256
// contiguous bytes and a block streams linearly. The micro-kernel keeps MR = 6 rows × 64 columns
// = 24 zmm accumulators, broadcasting one (a[2p], a[2p+1]) pair per row.
//
// Loop order: column block outer (its packed panel, ≤ 200 KB for k = 1536, stays in L2), row
// groups inner (A is 2 bytes per k per row and streams cheaply).

#include "cbf16.h"

#include <cpuid.h>
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define NB 64
#define MR 6
#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

uint16_t slbf16_from_float(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static int xcr0_has_zmm(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xe6u) == 0xe6u;  // SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM state enabled
}

int slbf16_supported(void) {
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    int f = (b >> 16) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    __cpuid_count(7, 1, a, b, c, d);
    int bf16 = (a >> 5) & 1;
    return f && bw && vl && bf16 && xcr0_has_zmm();
}

int slbf16_amx_reported(void) {
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (d >> 22) & 1;
}

size_t slbf16_packed_count(long k, long n) {
    long kp = (k + 1) / 2, blocks = (n + NB - 1) / NB;
    return (size_t)(blocks * kp * NB * 2);
}

void slbf16_pack(long k, long n, const float *b, long ldb, int trans, uint16_t *packed) {
    long kp = (k + 1) / 2, blocks = (n + NB - 1) / NB;
    for (long blk = 0; blk < blocks; blk++) {
        for (long p = 0; p < kp; p++) {
            uint16_t *dst = packed + (blk * kp + p) * NB * 2;
            for (int jj = 0; jj < NB; jj++) {
                long j = blk * NB + jj;
                for (int e = 0; e < 2; e++) {
                    long kk = 2 * p + e;
                    float v = 0;
                    if (j < n && kk < k) v = trans ? b[j * ldb + kk] : b[kk * ldb + j];
                    // panel q = jj / 16, lane jj % 16, element e
                    dst[(jj / 16) * 32 + (jj % 16) * 2 + e] = slbf16_from_float(v);
                }
            }
        }
    }
}

/// Thread-local conversion buffer for A in bf16 (grown, never shrunk).
static _Thread_local uint16_t *scratch;
static _Thread_local size_t scratchCount;

static uint16_t *scratch_for(size_t count) {
    if (count > scratchCount) {
        free(scratch);
        size_t bytes = (count * 2 + 63) & ~(size_t)63;
        scratch = aligned_alloc(64, bytes);
        scratchCount = scratch ? count : 0;
    }
    return scratch;
}

/// Rounds A (m × k, stride lda) to bf16 rows of 2·kp elements (zero-padded when k is odd).
TGT static void convert_rows(long m, long k, const float *a, long lda, uint16_t *out, long kp) {
    long row = 2 * kp;
    for (long i = 0; i < m; i++) {
        const float *src = a + i * lda;
        uint16_t *dst = out + i * row;
        long j = 0;
        for (; j + 32 <= k; j += 32) {
            __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + j + 16), _mm512_loadu_ps(src + j));
            _mm512_storeu_si512((void *)(dst + j), (__m512i)v);
        }
        for (; j < k; j++) dst[j] = slbf16_from_float(src[j]);
        if (k & 1) dst[k] = 0;
    }
}

/// rows × 64 tile: C[r][0..<cols] = alpha · Σ_p a_r[p] · B[p] + beta · C. `rows` is a constant
/// after inlining, so the accumulators live in registers.
TGT static inline __attribute__((always_inline)) void tile(
    int rows, long kp, const uint32_t *a, long lda32, const uint16_t *b, float *c, long ldc, long cols,
    float alpha, float beta) {
    __m512 acc[MR][4];
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_setzero_ps();
    for (long p = 0; p < kp; p++) {
        const uint16_t *bp = b + p * NB * 2;
        __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)(bp));
        __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(bp + 32));
        __m512bh b2 = (__m512bh)_mm512_load_si512((const void *)(bp + 64));
        __m512bh b3 = (__m512bh)_mm512_load_si512((const void *)(bp + 96));
        for (int r = 0; r < rows; r++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[r * lda32 + p]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
            acc[r][2] = _mm512_dpbf16_ps(acc[r][2], av, b2);
            acc[r][3] = _mm512_dpbf16_ps(acc[r][3], av, b3);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < 4; q++) {
            long c0 = q * 16;
            if (c0 >= cols) break;
            __mmask16 mask = cols - c0 >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - c0)) - 1);
            float *cp = c + r * ldc + c0;
            __m512 v = _mm512_mul_ps(va, acc[r][q]);
            if (beta != 0) v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, cp), v);
            _mm512_mask_storeu_ps(cp, mask, v);
        }
    }
}

#define TILE(R)                                                                                   \
    TGT static void tile##R(long kp, const uint32_t *a, long lda32, const uint16_t *b, float *c, \
                            long ldc, long cols, float alpha, float beta) {                        \
        tile(R, kp, a, lda32, b, c, ldc, cols, alpha, beta);                                      \
    }
TILE(1) TILE(2) TILE(3) TILE(4) TILE(5) TILE(6)

typedef void (*tile_fn)(long, const uint32_t *, long, const uint16_t *, float *, long, long, float, float);
static const tile_fn tiles[MR + 1] = {NULL, tile1, tile2, tile3, tile4, tile5, tile6};

/// Thread-local bf16 panel of one column block of Mᵀ, repacked from M's packing (grown, never shrunk).
static _Thread_local uint64_t *panel;
static _Thread_local size_t panelWords;

static uint64_t *panel_for(size_t words) {
    if (words > panelWords) {
        free(panel);
        panel = aligned_alloc(64, (words * 8 + 63) & ~(size_t)63);
        panelWords = panel ? words : 0;
    }
    return panel;
}

/// Column block `jb` of op(B) = Mᵀ in the kernel's layout, from M (n × k) packed by `slbf16_pack`.
///
/// In M's packing one 64-bit word holds M[2s][q], M[2s+1][q], M[2s][q+1], M[2s+1][q+1] (q even:
/// two adjacent columns of one row pair); the panel needs M[2s][q], M[2s][q+1] in lane 2s and
/// M[2s+1][q], M[2s+1][q+1] in lane 2s+1, i.e. the same four values with the middle two swapped.
/// So the repack is one 64-bit load, a swap and a store per four values: k·64 values per block,
/// against 2·m·k·64 flops of the block's products.
static void repack_transposed(long n, long k, const uint16_t *packed, long jb, uint64_t *out) {
    long kp = (k + 1) / 2, kpM = (n + 1) / 2;
    long s0 = jb * (NB / 2), s1 = s0 + NB / 2 < kpM ? s0 + NB / 2 : kpM;
    const uint64_t *src = (const uint64_t *)packed;
    for (long p = 0; p < kp; p++) {
        long blk = p / (NB / 2), word = 2 * p % NB;  // M's column block and word of columns 2p, 2p+1
        uint64_t *dst = out + p * (NB / 2);
        for (long s = s0; s < s1; s++) {
            uint64_t v = src[((blk * kpM + s) * NB * 2 + word * 2) / 4];
            dst[s - s0] = (v & 0xffff00000000ffffull) | ((v >> 16) & 0xffff0000ull) | ((v << 16) & 0xffff00000000ull);
        }
        for (long s = s1; s < s0 + NB / 2; s++) dst[s - s0] = 0;
    }
}

void slbf16_gemm_blocks(long m, long n, long k, float alpha, const float *a, long lda, const uint16_t *packed,
                        int trans, long block_begin, long block_end, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0 || block_begin >= block_end) return;
    long kp = (k + 1) / 2;
    uint16_t *abf = scratch_for((size_t)(m * 2 * kp));
    uint64_t *repacked = trans ? panel_for((size_t)(kp * NB / 2)) : NULL;
    if (!abf || (trans && !repacked)) abort();
    convert_rows(m, k, a, lda, abf, kp);
    const uint32_t *a32 = (const uint32_t *)abf;
    for (long blk = block_begin; blk < block_end; blk++) {
        const uint16_t *b = packed + blk * kp * NB * 2;
        if (trans) {
            repack_transposed(n, k, packed, blk, repacked);
            b = (const uint16_t *)repacked;
        }
        long cols = n - blk * NB < NB ? n - blk * NB : NB;
        for (long i = 0; i < m; i += MR) {
            int rows = m - i < MR ? (int)(m - i) : MR;
            tiles[rows](kp, a32 + i * kp, kp, b, c + i * ldc + blk * NB, ldc, cols, alpha, beta);
        }
    }
}

void slbf16_gemm(long m, long n, long k, float alpha, const float *a, long lda,
                 const uint16_t *packed, float beta, float *c, long ldc) {
    slbf16_gemm_blocks(m, n, k, alpha, a, lda, packed, 0, 0, (n + NB - 1) / NB, beta, c, ldc);
}

long slbf16_column_blocks(long n) { return (n + NB - 1) / NB; }

void slbf16_unpack(long k, long n, const uint16_t *packed, int trans, float *out, long ldo) {
    long kp = (k + 1) / 2;
    for (long p = 0; p < k; p++) {
        for (long j = 0; j < n; j++) {
            long blk = j / NB, jj = j % NB;
            uint32_t u = (uint32_t)packed[(blk * kp + p / 2) * NB * 2 + jj * 2 + p % 2] << 16;
            float v;
            memcpy(&v, &u, 4);
            if (trans) out[j * ldo + p] = v; else out[p * ldo + j] = v;
        }
    }
}
