#ifndef CKELEMENTWISE_H
#define CKELEMENTWISE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Vectorised transcendental loops on contiguous arrays. exp is a degree-6
// polynomial on [-ln2/2, ln2/2] after range reduction (relative error a few
// 1e-7); AVX-512 when the dispatched instruction set allows it, else the same
// formula in portable C. Inputs and outputs may alias.

/// y[i] = exp(x[i]) (0 below -103.9, +inf above 88.7; NaN stays NaN).
void ck_exp(const float *x, float *y, size_t n);

/// y[i] = 1 / (1 + exp(-x[i])).
void ck_sigmoid(const float *x, float *y, size_t n);

/// y[i] = x[i] / (1 + exp(-x[i])) (SiLU, swish).
void ck_silu(const float *x, float *y, size_t n);

/// dx[i] = g[i] * s * (1 + x[i] * (1 - s)) with s = sigmoid(x[i]): the SiLU backward.
void ck_silu_backward(const float *x, const float *g, float *dx, size_t n);

/// One softmax line: y = exp(x - max x) / Σ exp(x - max x). n > 0.
void ck_softmax_row(const float *x, float *y, size_t n);

#ifdef __cplusplus
}
#endif

#endif
