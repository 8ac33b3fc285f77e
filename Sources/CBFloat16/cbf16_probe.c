// Throughput probe behind `precision: auto`: is `vdpbf16ps` actually faster than fp32 FMA here?
//
// Reporting AVX512_BF16 is not enough. Zen 4 retires one 512-bit `vdpbf16ps` (32 multiply-adds)
// about as often as one fp32 FMA (16), so bf16 doubles the arithmetic rate; Sapphire/Emerald
// Rapids without AMX retire it at roughly a quarter of the FMA rate, so bf16 there is ~2× slower
// than fp32. Both loops below are register-only (24 independent chains, no memory traffic) and
// run back to back several times; the median ratio is far from 1 on both kinds of CPU, so
// machine load (which slows both loops alike) does not flip the decision.

#include "cbf16.h"

#include <immintrin.h>
#include <time.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define CHAINS 24

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

TGT __attribute__((noinline)) static float dot_loop(long n) {
    __m512 acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80);  // (1, 1)
    for (long i = 0; i < n; i++) {
        for (int j = 0; j < CHAINS; j++) acc[j] = _mm512_dpbf16_ps(acc[j], x, x);
        __asm__ volatile("" : "+v"(x));
    }
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

TGT __attribute__((noinline)) static float fma_loop(long n) {
    __m512 acc[CHAINS];
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    __m512 x = _mm512_set1_ps(0.5f), y = _mm512_set1_ps(0.25f);
    for (long i = 0; i < n; i++) {
        for (int j = 0; j < CHAINS; j++) acc[j] = _mm512_fmadd_ps(acc[j], x, y);
        __asm__ volatile("" : "+v"(x));
    }
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

volatile float slbf16_probe_sink;

double slbf16_probe(int rounds, long iterations, double *bf16_gflops, double *fp32_gflops) {
    if (!slbf16_supported() || rounds <= 0) return 0;
    double ratios[16], bestB = 0, bestF = 0;
    if (rounds > 16) rounds = 16;
    for (int r = 0; r < rounds; r++) {
        double t0 = seconds();
        slbf16_probe_sink = dot_loop(iterations);
        double t1 = seconds();
        slbf16_probe_sink = fma_loop(iterations);
        double t2 = seconds();
        double b = (double)iterations * CHAINS * 64 / (t1 - t0) / 1e9;  // 16 lanes × 2 products × 2 flops
        double f = (double)iterations * CHAINS * 32 / (t2 - t1) / 1e9;  // 16 lanes × 2 flops
        ratios[r] = b / f;
        if (b > bestB) bestB = b;
        if (f > bestF) bestF = f;
    }
    for (int i = 1; i < rounds; i++)  // insertion sort, then the median
        for (int j = i; j > 0 && ratios[j] < ratios[j - 1]; j--) {
            double t = ratios[j]; ratios[j] = ratios[j - 1]; ratios[j - 1] = t;
        }
    if (bf16_gflops) *bf16_gflops = bestB;
    if (fp32_gflops) *fp32_gflops = bestF;
    return ratios[rounds / 2];
}
