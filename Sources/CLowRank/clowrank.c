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

// Vectors of 4, 8 and 16 floats (clang's extended vectors: one register each where the target
// has it, split otherwise), loaded from and stored to unaligned memory.
typedef float v4 __attribute__((ext_vector_type(4)));
typedef float v8 __attribute__((ext_vector_type(8)));
typedef float v16 __attribute__((ext_vector_type(16)));
#define LOAD(V, p) ({ V v_; __builtin_memcpy(&v_, (p), sizeof(V)); v_; })

// Cᵢ (64 columns from j0) = Σₚ a(i, p) · rows[p][0..64), rows `stride` apart: four 16-lane
// accumulators per row of C, two rows at a time (eight independent chains, each load used twice).
#define COMBINE_BLOCK()                                                                           \
    {                                                                                             \
        long i = 0;                                                                               \
        for (; i + 2 <= m; i += 2) {                                                              \
            v16 x0 = 0, x1 = 0, x2 = 0, x3 = 0, y0 = 0, y1 = 0, y2 = 0, y3 = 0;                   \
            const float *ai = a + i * a_row, *bi = ai + a_row;                                    \
            for (long p = 0; p < k; p++) {                                                        \
                const float s = ai[p * a_col], t = bi[p * a_col];                                 \
                const float *bp = rows + p * stride;                                              \
                const v16 b0 = LOAD(v16, bp), b1 = LOAD(v16, bp + 16);                            \
                const v16 b2 = LOAD(v16, bp + 32), b3 = LOAD(v16, bp + 48);                       \
                x0 += s * b0; x1 += s * b1; x2 += s * b2; x3 += s * b3;                           \
                y0 += t * b0; y1 += t * b1; y2 += t * b2; y3 += t * b3;                           \
            }                                                                                     \
            float *ci = c + i * ldc + j0, *di = ci + ldc;                                         \
            PUT(v16, ci, x0); PUT(v16, ci + 16, x1); PUT(v16, ci + 32, x2); PUT(v16, ci + 48, x3); \
            PUT(v16, di, y0); PUT(v16, di + 16, y1); PUT(v16, di + 32, y2); PUT(v16, di + 48, y3); \
        }                                                                                         \
        for (; i < m; i++) {                                                                      \
            v16 x0 = 0, x1 = 0, x2 = 0, x3 = 0;                                                   \
            const float *ai = a + i * a_row;                                                      \
            for (long p = 0; p < k; p++) {                                                        \
                const float s = ai[p * a_col];                                                    \
                const float *bp = rows + p * stride;                                              \
                x0 += s * LOAD(v16, bp); x1 += s * LOAD(v16, bp + 16);                            \
                x2 += s * LOAD(v16, bp + 32); x3 += s * LOAD(v16, bp + 48);                       \
            }                                                                                     \
            float *ci = c + i * ldc + j0;                                                         \
            PUT(v16, ci, x0); PUT(v16, ci + 16, x1); PUT(v16, ci + 32, x2); PUT(v16, ci + 48, x3); \
        }                                                                                         \
    }

// C = alpha·x + beta·C for one vector of V at c (C unread when beta is 0).
#define PUT(V, cp, x)                                                                             \
    {                                                                                             \
        V r_ = alpha * (x);                                                                       \
        if (beta != 0) r_ += beta * LOAD(V, (cp));                                                \
        __builtin_memcpy((cp), &r_, sizeof(V));                                                   \
    }

// The same for a narrow C (V holds all W = rank columns: 4, 8 or 16) with a long k (du = dy·B
// and dB = dyᵀ·u over the hidden size). Four rows of C at a time share each row of op(B), and
// each row keeps two chains (even and odd p): eight independent accumulators, so the FMAs do
// not wait on each other's latency and one load of op(B) feeds four of them. A last one to
// three rows take one row at a time, in four chains.
#define COMBINE_NARROW(V)                                                                         \
    {                                                                                             \
        long i = 0;                                                                               \
        for (; i + 4 <= m; i += 4) {                                                              \
            V x0 = 0, x1 = 0, x2 = 0, x3 = 0, y0 = 0, y1 = 0, y2 = 0, y3 = 0;                     \
            const float *a0 = a + i * a_row, *a1 = a0 + a_row, *a2 = a1 + a_row, *a3 = a2 + a_row; \
            long p = 0;                                                                           \
            for (; p + 2 <= k; p += 2) {                                                          \
                const long e = p * a_col, o = e + a_col;                                          \
                const V b0 = LOAD(V, rows + p * stride), b1 = LOAD(V, rows + (p + 1) * stride);   \
                x0 += a0[e] * b0; x1 += a1[e] * b0; x2 += a2[e] * b0; x3 += a3[e] * b0;           \
                y0 += a0[o] * b1; y1 += a1[o] * b1; y2 += a2[o] * b1; y3 += a3[o] * b1;           \
            }                                                                                     \
            if (p < k) {                                                                          \
                const long e = p * a_col;                                                         \
                const V b0 = LOAD(V, rows + p * stride);                                          \
                x0 += a0[e] * b0; x1 += a1[e] * b0; x2 += a2[e] * b0; x3 += a3[e] * b0;           \
            }                                                                                     \
            float *ci = c + i * ldc + j0;                                                         \
            PUT(V, ci, x0 + y0); PUT(V, ci + ldc, x1 + y1);                                       \
            PUT(V, ci + 2 * ldc, x2 + y2); PUT(V, ci + 3 * ldc, x3 + y3);                         \
        }                                                                                         \
        for (; i < m; i++) {                                                                      \
            V x0 = 0, x1 = 0, x2 = 0, x3 = 0;                                                     \
            const float *ai = a + i * a_row;                                                      \
            long p = 0;                                                                           \
            for (; p + 4 <= k; p += 4) {                                                          \
                x0 += ai[p * a_col] * LOAD(V, rows + p * stride);                                 \
                x1 += ai[(p + 1) * a_col] * LOAD(V, rows + (p + 1) * stride);                     \
                x2 += ai[(p + 2) * a_col] * LOAD(V, rows + (p + 2) * stride);                     \
                x3 += ai[(p + 3) * a_col] * LOAD(V, rows + (p + 3) * stride);                     \
            }                                                                                     \
            for (; p < k; p++) x0 += ai[p * a_col] * LOAD(V, rows + p * stride);                  \
            PUT(V, c + i * ldc + j0, x0 + ((x1 + x2) + x3));                                      \
        }                                                                                         \
    }

// Any other width (an edge block): scalar.
#define COMBINE_ANY(W)                                                                            \
    for (long i = 0; i < m; i++) {                                                                \
        float acc[BLOCK] = {0};                                                                   \
        const float *ai = a + i * a_row;                                                          \
        for (long p = 0; p < k; p++) {                                                            \
            const float s = ai[p * a_col];                                                        \
            const float *restrict bp = rows + p * stride;                                         \
            for (long j = 0; j < (W); j++) acc[j] += s * bp[j];                                   \
        }                                                                                         \
        store(c + i * ldc + j0, acc, (W), alpha, beta);                                           \
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
            COMBINE_BLOCK()
        } else if (w == 16) {
            COMBINE_NARROW(v16)
        } else if (w == 8) {
            COMBINE_NARROW(v8)
        } else if (w == 4) {
            COMBINE_NARROW(v4)
        } else {
            COMBINE_ANY(w)
        }
    }
}

// Σ of a vector's lanes as a tree (a serial sum would chain 16 dependent adds per dot product).
// A macro: a vector argument would change the ABI between the compiled variants.
#define LANES_SUM(vec)                                \
    ({                                                \
        const v16 x_ = (vec);                         \
        const v8 h_ = x_.lo + x_.hi;                  \
        const v4 q_ = h_.lo + h_.hi;                  \
        (q_.x + q_.y) + (q_.z + q_.w);                \
    })

// C[i, j] for four columns j at a time: each 16-float chunk of row i of A is loaded once and
// multiplied into four accumulators (four independent chains), reduced as trees at the end.
static inline __attribute__((always_inline)) void dot(long m, long n, long k, float alpha, const float *a, long lda,
                                                      const float *b, long ldb, float beta, float *c, long ldc) {
    const long k16 = k - k % 16;
    for (long i = 0; i < m; i++) {
        const float *x = a + i * lda;
        float *ci = c + i * ldc;
        long j = 0;
        for (; j + 4 <= n; j += 4) {
            const float *y0 = b + j * ldb, *y1 = y0 + ldb, *y2 = y1 + ldb, *y3 = y2 + ldb;
            v16 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (long p = 0; p < k16; p += 16) {
                const v16 xv = LOAD(v16, x + p);
                s0 += xv * LOAD(v16, y0 + p);
                s1 += xv * LOAD(v16, y1 + p);
                s2 += xv * LOAD(v16, y2 + p);
                s3 += xv * LOAD(v16, y3 + p);
            }
            float d[4] = {LANES_SUM(s0), LANES_SUM(s1), LANES_SUM(s2), LANES_SUM(s3)};
            for (long p = k16; p < k; p++) {
                d[0] += x[p] * y0[p];
                d[1] += x[p] * y1[p];
                d[2] += x[p] * y2[p];
                d[3] += x[p] * y3[p];
            }
            store(ci + j, d, 4, alpha, beta);
        }
        for (; j < n; j++) {
            const float *y = b + j * ldb;
            v16 s0 = 0;
            for (long p = 0; p < k16; p += 16) s0 += LOAD(v16, x + p) * LOAD(v16, y + p);
            float d = LANES_SUM(s0);
            for (long p = k16; p < k; p++) d += x[p] * y[p];
            ci[j] = beta == 0 ? alpha * d : alpha * d + beta * ci[j];
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
