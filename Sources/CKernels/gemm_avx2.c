// AVX2 + FMA SGEMM: a 6×16 micro-kernel (12 ymm accumulators, two B vectors,
// one broadcast A value).
#include "gemm_driver.h"
#include "gemm_isa.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MR 6
#define NR 16

#define CK_AVX2 __attribute__((target("avx2,fma")))

static inline CK_AVX2 __attribute__((always_inline))
void tile_6x16(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
               const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    __m256 c0[MR], c1[MR];
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        c0[i] = _mm256_setzero_ps();
        c1[i] = _mm256_setzero_ps();
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    }
    // Prefetch as the AVX-512 kernel does: the next A panel when A is read
    // in place row by row (cs_a == 1), else B pf_rows rows ahead.
    const float *next_a = a + MR * rs_a;
    const ptrdiff_t b_ahead = pf_rows * rs_b;
    ptrdiff_t pf_row = 0, pf_column = 0;
#pragma clang loop unroll_count(4)
    for (ptrdiff_t p = 0; p < kc; p++) {
        if (pf_rows) {
            if (cs_a == 1) {
                _mm_prefetch((const char *)(next_a + pf_row * rs_a + pf_column), _MM_HINT_T0);
                if (++pf_row == MR) { pf_row = 0; pf_column += 16; }
            } else {
                _mm_prefetch((const char *)(b + b_ahead), _MM_HINT_T1);
            }
        }
        const __m256 b0 = _mm256_loadu_ps(b);
        const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            const __m256 ai = _mm256_broadcast_ss(a + i * rs_a);
            c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);
            c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);
        }
        a += cs_a;
        b += rs_b;
    }
    const __m256 va = _mm256_set1_ps(alpha);
    if (beta == 0.0f) {
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(va, c0[i]));
            _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(va, c1[i]));
        }
    } else {
        const __m256 vb = _mm256_set1_ps(beta);
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            float *cr = c + i * ldc;
            _mm256_storeu_ps(cr, _mm256_fmadd_ps(va, c0[i], _mm256_mul_ps(vb, _mm256_loadu_ps(cr))));
            _mm256_storeu_ps(cr + 8, _mm256_fmadd_ps(va, c1[i], _mm256_mul_ps(vb, _mm256_loadu_ps(cr + 8))));
        }
    }
}

static CK_AVX2 void tile_packed(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                                const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)rs_a; (void)cs_a;
    tile_6x16(kc, a, 1, MR, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

static CK_AVX2 void tile_a_cols(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                                const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)rs_a;
    tile_6x16(kc, a, 1, cs_a, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

static CK_AVX2 void tile_a_rows(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                                const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)cs_a;
    tile_6x16(kc, a, rs_a, 1, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

CK_AVX2 int ck_sgemm_avx2(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                           float alpha, const float *a, ptrdiff_t lda,
                           const float *b, ptrdiff_t ldb,
                           float beta, float *c, ptrdiff_t ldc) {
    return ck_gemm_driver(MR, NR, tile_packed, tile_a_cols, tile_a_rows, NULL,
                   trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#endif
