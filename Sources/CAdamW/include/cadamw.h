#ifndef STREAMLORA_CADAMW_H
#define STREAMLORA_CADAMW_H

/// An adapter's optimizer step over its flat parameter buffer in two passes instead of four:
/// one read of gradients, moments and parameters for the gradient norm and the overflow bounds,
/// then the AdamW update with the clip factor applied on the fly. Compiled for AVX-512, AVX2 and
/// plain x86-64 (features enabled per function, chosen at run time), without contracting
/// multiplies and adds into FMAs, so every element is bitwise what the scalar loop gives.

#ifdef __cplusplus
extern "C" {
#endif

/// What one read of (g, m, p) tells before an AdamW step.
typedef struct {
    /// Σ g², summed in float lanes per block of 4,096 and across blocks in double.
    double sum_squares;
    /// max |g|, max |m|, max |p| (meaningful when `finite`).
    float max_grad, max_moment, max_param;
    /// 0 when some m or p is NaN or ±inf (g's are seen in `sum_squares`).
    int finite;
} slr_adamw_scan_result;

slr_adamw_scan_result slr_adamw_scan(const float *g, const float *m, const float *p, long n);

/// torch.optim.AdamW on n elements with g scaled by `grad_scale` (clip_grad_norm_'s factor;
/// 1 leaves g as it is): p ← p·decay; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p·decay − step_size·m / (√v / bc2_sqrt + eps), in this order of operations.
void slr_adamw(float *p, const float *g, float *m, float *v, long n, float grad_scale, float beta1, float beta2,
               float eps, float step_size, float bc2_sqrt, float decay);

#ifdef __cplusplus
}
#endif

#endif
