#ifndef CKNORMALIZATION_H
#define CKNORMALIZATION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// The per-channel loops of group normalisation, on `n` contiguous floats of
// one channel whose input is `x + c` (c a per-channel shift, 0 for none), and
// the plain sum the bias and shift gradients take over a channel.
// Sums accumulate in Double, in a fixed order (the same bits on every run),
// dispatched to AVX-512, AVX2 or portable C as the SGEMM is.

/// sum = Σ (x[i] + c), squares = Σ (x[i] + c)².
void ck_shifted_moments(const float *x, size_t n, float c, double *sum, double *squares);

/// Σ x[i], accumulated in Double (vectorised, in a fixed order).
double ck_sum(const float *x, size_t n);

/// y[i] = ((x[i] + c) − mean) · a + b (x and y may alias).
void ck_normalize(const float *x, float *y, size_t n, float c, float mean, float a, float b);

/// sum = Σ dy[i], products = Σ dy[i] · ((x[i] + c) − mean).
void ck_normalize_gradient_sums(const float *dy, const float *x, size_t n, float c, float mean,
                                double *sum, double *products);

/// dx[i] = dy[i] · scale + ((x[i] + c) − mean) · c2 + c3 (dx may alias dy).
void ck_normalize_backward(const float *dy, const float *x, float *dx, size_t n, float c, float mean,
                           float scale, float c2, float c3);

#ifdef __cplusplus
}
#endif

#endif
