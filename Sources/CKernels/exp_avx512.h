// The constants of the exp polynomial, and exp, sigmoid and SiLU on 16
// AVX-512 lanes: shared by the elementwise loops and the kernels that apply
// SiLU on the way (the normalising channels-last copy), so that both give the
// same bits.
#ifndef CK_EXP_AVX512_H
#define CK_EXP_AVX512_H

// exp(x) = 2^k · exp(r), k = round(x·log2 e), r = x − k·ln2 (ln2 split in two
// for precision), exp(r) by its Taylor polynomial to degree 6 (Horner); the
// same constants as the portable `exp_scalar` of elementwise.c.
#define CK_EXP_LOG2E 1.44269504088896341f
#define CK_EXP_LN2_HI 0.693359375f
#define CK_EXP_LN2_LO (-2.12194440e-4f)
#define CK_EXP_P6 1.38888889e-3f
#define CK_EXP_P5 8.33333333e-3f
#define CK_EXP_P4 4.16666667e-2f
#define CK_EXP_P3 1.66666667e-1f
#define CK_EXP_P2 0.5f

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/// exp_scalar's polynomial on 16 lanes. Rather than blending in ∞, 0 and NaN
/// afterwards, x is clamped to [−104, 89], where scalef's own overflow and
/// underflow give ∞ and 0; max_ps and min_ps return their second operand
/// when either is NaN, so NaN passes through. (The blends were a quarter of
/// the instructions of SiLU, the network's most frequent activation.)
static inline AVX512 __m512 exp_avx512(__m512 x) {
    const __m512 hi = _mm512_set1_ps(89.0f), lo = _mm512_set1_ps(-104.0f);
    __m512 xc = _mm512_min_ps(hi, _mm512_max_ps(lo, x));
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(CK_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(CK_EXP_LN2_HI), xc);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(CK_EXP_LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(CK_EXP_P6), r, _mm512_set1_ps(CK_EXP_P5));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(CK_EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(CK_EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(CK_EXP_P2));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    // p · 2^k, valid for the denormal range too.
    return _mm512_scalef_ps(p, k);
}

static inline AVX512 __m512 sigmoid_avx512(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 e = exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), x));
    return _mm512_div_ps(one, _mm512_add_ps(one, e));
}

/// SiLU, x · σ(x).
static inline AVX512 __m512 silu_avx512(__m512 x) { return _mm512_mul_ps(x, sigmoid_avx512(x)); }

#endif
#endif
