// Transcendental elementwise loops (exp, sigmoid, SiLU, softmax lines) with an
// AVX-512 path chosen at run time and a portable fallback using the same
// polynomial. Swift compiled without flags cannot emit these vectorised.
#include "CKElementwise.h"
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "exp_avx512.h"

#define EXP_HI 88.7228391f
#define EXP_LO (-103.972084f)

static inline float exp_scalar(float x) {
    if (x != x) return x;
    if (x > EXP_HI) return INFINITY;
    if (x < EXP_LO) return 0.0f;
    float k = nearbyintf(x * CK_EXP_LOG2E);
    float r = x - k * CK_EXP_LN2_HI - k * CK_EXP_LN2_LO;
    float p = ((((CK_EXP_P6 * r + CK_EXP_P5) * r + CK_EXP_P4) * r + CK_EXP_P3) * r + CK_EXP_P2) * r * r + r + 1.0f;
    // 2^k in two factors so that k down to -150 (denormal results) stays exact.
    int32_t ki = (int32_t)k;
    int32_t k1 = ki / 2, k2 = ki - k1;
    int32_t b1 = (k1 + 127) << 23, b2 = (k2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return p * s1 * s2;
}

#if defined(__x86_64__)
static AVX512 void exp_loop_avx512(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp_avx512(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, exp_avx512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

static AVX512 void sigmoid_loop_avx512(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, sigmoid_avx512(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, sigmoid_avx512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

static AVX512 void silu_loop_avx512(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        _mm512_storeu_ps(y + i, _mm512_mul_ps(v, sigmoid_avx512(v)));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(v, sigmoid_avx512(v)));
    }
}

static inline AVX512 __m512 silu_grad_avx512(__m512 v, __m512 g) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 s = sigmoid_avx512(v);
    __m512 d = _mm512_fmadd_ps(v, _mm512_sub_ps(one, s), one);
    return _mm512_mul_ps(g, _mm512_mul_ps(s, d));
}

static AVX512 void silu_backward_avx512(const float *x, const float *g, float *dx, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dx + i, silu_grad_avx512(_mm512_loadu_ps(x + i), _mm512_loadu_ps(g + i)));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(dx + i, m, silu_grad_avx512(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, g + i)));
    }
}

static AVX512 void softmax_row_avx512(const float *x, float *y, size_t n) {
    size_t i = 0;
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    for (; i + 16 <= n; i += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(x + i));
    float maximum = _mm512_reduce_max_ps(vmax);
    for (; i < n; i++) maximum = x[i] > maximum ? x[i] : maximum;
    const __m512 shift = _mm512_set1_ps(maximum);
    __m512 vsum = _mm512_setzero_ps();
    for (i = 0; i + 16 <= n; i += 16) {
        __m512 e = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(x + i), shift));
        _mm512_storeu_ps(y + i, e);
        vsum = _mm512_add_ps(vsum, e);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), shift));
        e = _mm512_maskz_mov_ps(m, e);
        _mm512_mask_storeu_ps(y + i, m, e);
        vsum = _mm512_add_ps(vsum, e);
    }
    const __m512 scale = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
    for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), scale));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + i), scale));
    }
}
#endif

static inline int use_avx512(void) {
#if defined(__x86_64__)
    return ck_current_isa() == CK_ISA_AVX512;
#else
    return 0;
#endif
}

void ck_exp(const float *x, float *y, size_t n) {
#if defined(__x86_64__)
    if (use_avx512()) { exp_loop_avx512(x, y, n); return; }
#endif
    for (size_t i = 0; i < n; i++) y[i] = exp_scalar(x[i]);
}

void ck_sigmoid(const float *x, float *y, size_t n) {
#if defined(__x86_64__)
    if (use_avx512()) { sigmoid_loop_avx512(x, y, n); return; }
#endif
    for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + exp_scalar(-x[i]));
}

void ck_silu(const float *x, float *y, size_t n) {
#if defined(__x86_64__)
    if (use_avx512()) { silu_loop_avx512(x, y, n); return; }
#endif
    for (size_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + exp_scalar(-x[i]));
}

void ck_silu_backward(const float *x, const float *g, float *dx, size_t n) {
#if defined(__x86_64__)
    if (use_avx512()) { silu_backward_avx512(x, g, dx, n); return; }
#endif
    for (size_t i = 0; i < n; i++) {
        float s = 1.0f / (1.0f + exp_scalar(-x[i]));
        dx[i] = g[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}

void ck_softmax_row(const float *x, float *y, size_t n) {
#if defined(__x86_64__)
    if (use_avx512()) { softmax_row_avx512(x, y, n); return; }
#endif
    float maximum = x[0];
    for (size_t i = 1; i < n; i++) maximum = x[i] > maximum ? x[i] : maximum;
    float total = 0.0f;
    for (size_t i = 0; i < n; i++) {
        y[i] = exp_scalar(x[i] - maximum);
        total += y[i];
    }
    float scale = 1.0f / total;
    for (size_t i = 0; i < n; i++) y[i] *= scale;
}
