#ifndef STREAMLORA_CLOWRANK_H
#define STREAMLORA_CLOWRANK_H

/// Small fp32 matrix products for one adapter's low-rank branch over a few token rows.
///
/// `C = alpha · op(A) · op(B) + beta · C`, row-major like `cblas_sgemm`, for the shapes a LoRA
/// pair of rank 4–16 makes over tens of rows, where a BLAS call costs more than its arithmetic.
/// Compiled for AVX-512, AVX2 + FMA and plain x86-64 (features enabled per function, chosen at
/// run time), so a build runs on any x86-64. With beta 0, C is not read (BLAS semantics).

#ifdef __cplusplus
extern "C" {
#endif

void slr_gemm(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
              const float *b, long ldb, float beta, float *c, long ldc);

#ifdef __cplusplus
}
#endif

#endif
