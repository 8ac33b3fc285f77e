// AdamW's two passes over one adapter's flat buffers (see cadamw.h). The same C bodies are
// compiled three times (AVX-512, AVX2, plain x86-64) through always-inline helpers; the entry
// points pick one at first use. FP contraction is off: the update must round exactly as the
// scalar loop (and torch's formula) does, operation by operation.

#include "cadamw.h"
#include <math.h>

#pragma clang fp contract(off)

#define BLOCK 4096

typedef float v16 __attribute__((ext_vector_type(16)));
#define LOAD(p) ({ v16 v_; __builtin_memcpy(&v_, (p), sizeof(v16)); v_; })
#define STORE(p, x) ({ v16 x_ = (x); __builtin_memcpy((p), &x_, sizeof(v16)); })

// Lane-wise |x| and max, and the reductions of a vector's lanes. Macros: a vector argument would
// change the ABI between the compiled variants.
#define VABS(x) __builtin_elementwise_abs(x)
#define VMAX(a, b) __builtin_elementwise_max(a, b)
#define LANES_MAX(vec)                                                  \
    ({                                                                  \
        const v16 x_ = (vec);                                           \
        float r_ = x_[0];                                               \
        for (int l_ = 1; l_ < 16; l_++) r_ = x_[l_] > r_ ? x_[l_] : r_; \
        r_;                                                             \
    })
#define LANES_SUM(vec)                                                  \
    ({                                                                  \
        const v16 x_ = (vec);                                           \
        float s_ = 0;                                                   \
        for (int l_ = 0; l_ < 16; l_++) s_ += x_[l_];                   \
        s_;                                                             \
    })

static inline __attribute__((always_inline)) slr_adamw_scan_result scan(const float *g, const float *m, const float *p,
                                                                        long n) {
    double total = 0;
    v16 mg = 0, mm = 0, mp = 0, poison = 0;
    long i = 0;
    while (i < n) {
        const long end = n - i < BLOCK ? n : i + BLOCK;
        v16 s0 = 0, s1 = 0;
        for (; i + 32 <= end; i += 32) {
            const v16 g0 = LOAD(g + i), g1 = LOAD(g + i + 16);
            const v16 m0 = LOAD(m + i), m1 = LOAD(m + i + 16);
            const v16 p0 = LOAD(p + i), p1 = LOAD(p + i + 16);
            s0 += g0 * g0;
            s1 += g1 * g1;
            mg = VMAX(mg, VMAX(VABS(g0), VABS(g1)));
            mm = VMAX(mm, VMAX(VABS(m0), VABS(m1)));
            mp = VMAX(mp, VMAX(VABS(p0), VABS(p1)));
            // x·0 is 0 for finite x and NaN for ±inf or NaN: a bad m or p poisons its lane.
            poison += (m0 * 0 + m1 * 0) + (p0 * 0 + p1 * 0);
        }
        float tail = 0;
        for (; i < end; i++) {
            tail += g[i] * g[i];
            const float ag = fabsf(g[i]), am = fabsf(m[i]), ap = fabsf(p[i]);
            mg[0] = ag > mg[0] ? ag : mg[0];
            mm[0] = am > mm[0] ? am : mm[0];
            mp[0] = ap > mp[0] ? ap : mp[0];
            poison[0] += m[i] * 0 + p[i] * 0;
        }
        total += (double)LANES_SUM(s0 + s1) + (double)tail;
    }
    const float bad = LANES_SUM(poison);
    slr_adamw_scan_result r = {total, LANES_MAX(mg), LANES_MAX(mm), LANES_MAX(mp), !isnan(bad)};
    return r;
}

static inline __attribute__((always_inline)) void update(float *p, const float *g, float *m, float *v, long n,
                                                         float grad_scale, float beta1, float beta2, float eps,
                                                         float step_size, float bc2_sqrt, float decay) {
    const float c1 = 1 - beta1, c2 = 1 - beta2;
    const int scaled = grad_scale != 1;
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        v16 gi = LOAD(g + i);
        if (scaled) gi = gi * grad_scale;
        const v16 mi = beta1 * LOAD(m + i) + c1 * gi;
        const v16 vi = beta2 * LOAD(v + i) + c2 * gi * gi;
        STORE(m + i, mi);
        STORE(v + i, vi);
        const v16 denom = __builtin_elementwise_sqrt(vi) / bc2_sqrt + eps;
        STORE(p + i, LOAD(p + i) * decay - step_size * mi / denom);
    }
    for (; i < n; i++) {
        float gi = g[i];
        if (scaled) gi = gi * grad_scale;
        const float mi = beta1 * m[i] + c1 * gi;
        const float vi = beta2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        const float denom = sqrtf(vi) / bc2_sqrt + eps;
        p[i] = p[i] * decay - step_size * mi / denom;
    }
}

#define VARIANTS(TARGET, SUFFIX)                                                                                  \
    TARGET static slr_adamw_scan_result scan_##SUFFIX(const float *g, const float *m, const float *p, long n) {   \
        return scan(g, m, p, n);                                                                                  \
    }                                                                                                             \
    TARGET static void update_##SUFFIX(float *p, const float *g, float *m, float *v, long n, float grad_scale,    \
                                       float beta1, float beta2, float eps, float step_size, float bc2_sqrt,      \
                                       float decay) {                                                             \
        update(p, g, m, v, n, grad_scale, beta1, beta2, eps, step_size, bc2_sqrt, decay);                         \
    }

VARIANTS(__attribute__((target("avx512f,avx512vl,avx2"))), avx512)
VARIANTS(__attribute__((target("avx2"))), avx2)
VARIANTS(, generic)

typedef slr_adamw_scan_result (*scan_fn)(const float *, const float *, const float *, long);
typedef void (*update_fn)(float *, const float *, float *, float *, long, float, float, float, float, float, float,
                          float);

static int level(void) {
    // Chosen once; a race between first callers stores the same value.
    static int chosen;
    int l = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (!l) {
        __builtin_cpu_init();
        l = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 3
            : __builtin_cpu_supports("avx2")                                      ? 2
                                                                                  : 1;
        __atomic_store_n(&chosen, l, __ATOMIC_RELAXED);
    }
    return l;
}

slr_adamw_scan_result slr_adamw_scan(const float *g, const float *m, const float *p, long n) {
    static const scan_fn fns[] = {0, scan_generic, scan_avx2, scan_avx512};
    return fns[level()](g, m, p, n);
}

void slr_adamw(float *p, const float *g, float *m, float *v, long n, float grad_scale, float beta1, float beta2,
               float eps, float step_size, float bc2_sqrt, float decay) {
    static const update_fn fns[] = {0, update_generic, update_avx2, update_avx512};
    fns[level()](p, g, m, v, n, grad_scale, beta1, beta2, eps, step_size, bc2_sqrt, decay);
}
