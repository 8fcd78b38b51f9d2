// The loops of group normalisation over one channel's positions: moments,
// plain sums and gradient sums accumulated in Double, and the affine maps of
// the forward and backward. Written once on 16-float vectors and compiled for AVX-512, AVX2
// and portable C (Swift compiled without flags reaches only SSE2).
#include "CKNormalization.h"
#include "vector_kernels.h"

/// 8 Doubles, the accumulators of the sums.
typedef double dvec __attribute__((vector_size(64)));

/// The 16 lanes of `v` as two Double vectors of 8.
ALWAYS_INLINE void widen(vec v, dvec *low, dvec *high) {
    *low = __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), dvec);
    *high = __builtin_convertvector(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), dvec);
}

ALWAYS_INLINE double total(dvec v) {
    double sum = 0;
    for (int i = 0; i < 8; i++) sum += v[i];
    return sum;
}

ALWAYS_INLINE void moments_body(const float *x, size_t n, float c, double *sum, double *squares) {
    dvec s0 = {0}, s1 = {0}, q0 = {0}, q1 = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        dvec low, high;
        widen(load(x + i, LANES) + c, &low, &high);
        s0 += low;
        s1 += high;
        q0 += low * low;
        q1 += high * high;
    }
    double s = total(s0 + s1), q = total(q0 + q1);
    for (; i < n; i++) {
        const double v = (double)(x[i] + c);
        s += v;
        q += v * v;
    }
    *sum = s;
    *squares = q;
}

ALWAYS_INLINE double sum_body(const float *x, size_t n) {
    dvec s0 = {0}, s1 = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        dvec low, high;
        widen(load(x + i, LANES), &low, &high);
        s0 += low;
        s1 += high;
    }
    double s = total(s0 + s1);
    for (; i < n; i++) s += (double)x[i];
    return s;
}

ALWAYS_INLINE void normalize_body(const float *x, float *y, size_t n, float c, float mean, float a, float b) {
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) store(y + i, ((load(x + i, LANES) + c) - mean) * a + b, LANES);
    for (; i < n; i++) y[i] = ((x[i] + c) - mean) * a + b;
}

ALWAYS_INLINE void gradient_sums_body(const float *dy, const float *x, size_t n, float c, float mean,
                                      double *sum, double *products) {
    dvec s0 = {0}, s1 = {0}, p0 = {0}, p1 = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        dvec d0, d1, x0, x1;
        widen(load(dy + i, LANES), &d0, &d1);
        widen((load(x + i, LANES) + c) - mean, &x0, &x1);
        s0 += d0;
        s1 += d1;
        p0 += d0 * x0;
        p1 += d1 * x1;
    }
    double s = total(s0 + s1), p = total(p0 + p1);
    for (; i < n; i++) {
        const double d = (double)dy[i];
        s += d;
        p += d * (double)((x[i] + c) - mean);
    }
    *sum = s;
    *products = p;
}

ALWAYS_INLINE void backward_body(const float *dy, const float *x, float *dx, size_t n, float c, float mean,
                                 float scale, float c2, float c3) {
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        store(dx + i, load(dy + i, LANES) * scale + ((load(x + i, LANES) + c) - mean) * c2 + c3, LANES);
    for (; i < n; i++) dx[i] = dy[i] * scale + ((x[i] + c) - mean) * c2 + c3;
}

#define MOMENTS_ARGS const float *x, size_t n, float c, double *sum, double *squares
#define SUM_ARGS const float *x, size_t n, double *sum
#define NORMALIZE_ARGS const float *x, float *y, size_t n, float c, float mean, float a, float b
#define GRADIENT_SUMS_ARGS const float *dy, const float *x, size_t n, float c, float mean, double *sum, \
    double *products
#define BACKWARD_ARGS const float *dy, const float *x, float *dx, size_t n, float c, float mean, float scale, \
    float c2, float c3

#define VARIANT(suffix, attributes)                                                                   \
    static attributes void moments_##suffix(MOMENTS_ARGS) { moments_body(x, n, c, sum, squares); }   \
    static attributes void sum_##suffix(SUM_ARGS) { *sum = sum_body(x, n); }                         \
    static attributes void normalize_##suffix(NORMALIZE_ARGS) { normalize_body(x, y, n, c, mean, a, b); } \
    static attributes void gradient_sums_##suffix(GRADIENT_SUMS_ARGS) {                               \
        gradient_sums_body(dy, x, n, c, mean, sum, products);                                         \
    }                                                                                                 \
    static attributes void backward_##suffix(BACKWARD_ARGS) {                                         \
        backward_body(dy, x, dx, n, c, mean, scale, c2, c3);                                          \
    }

CK_FOR_EACH_ISA(VARIANT)

void ck_shifted_moments(MOMENTS_ARGS) { CK_DISPATCH(moments, x, n, c, sum, squares); }

static void sum_dispatched(SUM_ARGS) { CK_DISPATCH(sum, x, n, sum); }

double ck_sum(const float *x, size_t n) {
    double sum = 0;
    sum_dispatched(x, n, &sum);
    return sum;
}

void ck_normalize(NORMALIZE_ARGS) { CK_DISPATCH(normalize, x, y, n, c, mean, a, b); }

void ck_normalize_gradient_sums(GRADIENT_SUMS_ARGS) { CK_DISPATCH(gradient_sums, dy, x, n, c, mean, sum, products); }

void ck_normalize_backward(BACKWARD_ARGS) { CK_DISPATCH(backward, dy, x, dx, n, c, mean, scale, c2, c3); }
