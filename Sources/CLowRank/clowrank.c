// Low-rank branch products: C = alpha · op(A) · op(B) + beta · C (row-major), two loop forms.
//
// - Combine: row i of C is a combination of the rows of op(B), Cᵢ = Σₚ op(A)ᵢₚ · op(B)ₚ, built
//   64 columns at a time in an accumulator the compiler keeps in vector registers. op(B)'s rows
//   must be contiguous; when they are not (transB with a short k: the rank), the k × 64 block is
//   gathered once into a small buffer and reused by every row of C.
// - Dot: transB with a long k (x · Aᵀ over the hidden size): each entry a dot product of two
//   contiguous rows, reassociated into vector lanes.
// The same C body is compiled three times (AVX-512, AVX2 + FMA, plain x86-64) through an
// always-inline helper; `slr_gemm` picks one at first use.

#include "clowrank.h"

#define BLOCK 64
#define GATHER_K 32

typedef void (*slr_kernel)(int, int, long, long, long, float, const float *, long, const float *, long, float, float *, long);

static inline __attribute__((always_inline)) void store(float *c, const float *acc, long w, float alpha, float beta) {
    if (beta == 0) {
        for (long j = 0; j < w; j++) c[j] = alpha * acc[j];
    } else {
        for (long j = 0; j < w; j++) c[j] = alpha * acc[j] + beta * c[j];
    }
}

// Cᵢ (w ≤ BLOCK columns from j0) = Σₚ a(i, p) · rows[p][0..w), rows `stride` apart.
#define COMBINE_ROWS(W)                                                                 \
    for (long i = 0; i < m; i++) {                                                      \
        float acc[BLOCK] = {0};                                                         \
        const float *ai = a + i * a_row;                                                \
        for (long p = 0; p < k; p++) {                                                  \
            const float s = ai[p * a_col];                                              \
            const float *restrict bp = rows + p * stride;                               \
            for (long j = 0; j < (W); j++) acc[j] += s * bp[j];                         \
        }                                                                               \
        store(c + i * ldc + j0, acc, (W), alpha, beta);                                 \
    }

static inline __attribute__((always_inline)) void combine(long m, long n, long k, float alpha, const float *a, long a_row,
                                                          long a_col, const float *b, long b_row, long b_col, float beta,
                                                          float *c, long ldc) {
    float packed[GATHER_K * BLOCK];
    for (long j0 = 0; j0 < n; j0 += BLOCK) {
        const long w = n - j0 < BLOCK ? n - j0 : BLOCK;
        const float *rows = b + j0 * b_col;
        long stride = b_row;
        if (b_col != 1) {
            for (long p = 0; p < k; p++) {
                for (long j = 0; j < w; j++) packed[p * BLOCK + j] = b[p * b_row + (j0 + j) * b_col];
            }
            rows = packed;
            stride = BLOCK;
        }
        if (w == BLOCK) {
            COMBINE_ROWS(BLOCK)
        } else if (w == 8) {
            COMBINE_ROWS(8)
        } else {
            COMBINE_ROWS(w)
        }
    }
}

static inline __attribute__((always_inline)) void dot(long m, long n, long k, float alpha, const float *a, long lda,
                                                      const float *b, long ldb, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        const float *x = a + i * lda;
        for (long j = 0; j < n; j++) {
            const float *y = b + j * ldb;
            float s = 0;
            {
#pragma clang fp reassociate(on)
                for (long p = 0; p < k; p++) s += x[p] * y[p];
            }
            c[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j];
        }
    }
}

static inline __attribute__((always_inline)) void kernel(int transA, int transB, long m, long n, long k, float alpha,
                                                         const float *a, long lda, const float *b, long ldb, float beta,
                                                         float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    const long a_row = transA ? 1 : lda, a_col = transA ? lda : 1;
    if (!transB) {
        combine(m, n, k, alpha, a, a_row, a_col, b, ldb, 1, beta, c, ldc);
    } else if (k <= GATHER_K) {
        combine(m, n, k, alpha, a, a_row, a_col, b, 1, ldb, beta, c, ldc);
    } else if (!transA) {
        dot(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    } else {
        // Both transposed with a long k: no low-rank product has this shape; plain loops.
        for (long i = 0; i < m; i++) {
            for (long j = 0; j < n; j++) {
                float s = 0;
                for (long p = 0; p < k; p++) s += a[p * lda + i] * b[j * ldb + p];
                c[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j];
            }
        }
    }
}

__attribute__((target("avx512f,avx512vl,avx2,fma"))) static void kernel_avx512(int transA, int transB, long m, long n, long k,
                                                                            float alpha, const float *a, long lda,
                                                                            const float *b, long ldb, float beta, float *c,
                                                                            long ldc) {
    kernel(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

__attribute__((target("avx2,fma"))) static void kernel_avx2(int transA, int transB, long m, long n, long k, float alpha,
                                                            const float *a, long lda, const float *b, long ldb, float beta,
                                                            float *c, long ldc) {
    kernel(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void kernel_generic(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                           const float *b, long ldb, float beta, float *c, long ldc) {
    kernel(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static slr_kernel choose(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return kernel_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return kernel_avx2;
    return kernel_generic;
}

void slr_gemm(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda, const float *b,
              long ldb, float beta, float *c, long ldc) {
    // Chosen once; a race between first callers stores the same pointer.
    static slr_kernel chosen;
    slr_kernel f = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (!f) {
        f = choose();
        __atomic_store_n(&chosen, f, __ATOMIC_RELAXED);
    }
    f(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
