// AVX-512 SGEMM: a 12×32 micro-kernel (24 zmm accumulators, two B vectors and
// the A value broadcast straight from memory into each FMA).
#include "gemm_driver.h"
#include "gemm_isa.h"
#include "transpose_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MR 12
#define NR 32

#define CK_AVX512 __attribute__((target("avx512f")))

/// Writes the accumulators: C = alpha·acc + beta·C (beta == 0 never reads C).
static inline CK_AVX512 __attribute__((always_inline))
void store_12x32(const __m512 *c0, const __m512 *c1, float *c, ptrdiff_t ldc, float alpha, float beta) {
    const __m512 va = _mm512_set1_ps(alpha);
    if (beta == 0.0f) {
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, c0[i]));
            _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, c1[i]));
        }
    } else {
        const __m512 vb = _mm512_set1_ps(beta);
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            float *cr = c + i * ldc;
            _mm512_storeu_ps(cr, _mm512_fmadd_ps(va, c0[i], _mm512_mul_ps(vb, _mm512_loadu_ps(cr))));
            _mm512_storeu_ps(cr + 16, _mm512_fmadd_ps(va, c1[i], _mm512_mul_ps(vb, _mm512_loadu_ps(cr + 16))));
        }
    }
}

#define ZERO_AND_PREFETCH_C()                                                 \
    __m512 c0[MR], c1[MR];                                                    \
    _Pragma("clang loop unroll(full)")                                        \
    for (int i = 0; i < MR; i++) {                                            \
        c0[i] = _mm512_setzero_ps();                                          \
        c1[i] = _mm512_setzero_ps();                                          \
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);               \
        _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);          \
    }

/// One k step: the row-i value of A (at `a_i`) times both B vectors.
#define FMA_ROW(i, a_i)                                                       \
    do {                                                                      \
        const __m512 ai = _mm512_set1_ps(a_i);                                \
        c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);                               \
        c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);                               \
    } while (0)

/// A whose MR values of one k step are contiguous (packed, or stored
/// transposed): A(i,p) = a[i + p*cs_a].
static inline CK_AVX512 __attribute__((always_inline))
void tile_cols(ptrdiff_t kc, const float *a, ptrdiff_t cs_a,
               const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    ZERO_AND_PREFETCH_C()
#define COLS_STEP(prefetch)                                                   \
    do {                                                                      \
        const __m512 b0 = _mm512_loadu_ps(b);                                 \
        const __m512 b1 = _mm512_loadu_ps(b + 16);                            \
        prefetch;                                                             \
        _Pragma("clang loop unroll(full)")                                    \
        for (int i = 0; i < MR; i++) FMA_ROW(i, a[i]);                        \
        a += cs_a;                                                            \
        b += rs_b;                                                            \
    } while (0)
    if (pf_rows) {
        const ptrdiff_t ahead = pf_rows * rs_b;
#pragma clang loop unroll_count(4)
        for (ptrdiff_t p = 0; p < kc; p++)
            COLS_STEP((_mm_prefetch((const char *)(b + ahead), _MM_HINT_T1),
                       _mm_prefetch((const char *)(b + ahead + 16), _MM_HINT_T1)));
    } else {
#pragma clang loop unroll_count(4)
        for (ptrdiff_t p = 0; p < kc; p++) COLS_STEP((void)0);
    }
#undef COLS_STEP
    store_12x32(c0, c1, c, ldc, alpha, beta);
}

static CK_AVX512 void tile_packed(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                                  const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)rs_a; (void)cs_a;
    tile_cols(kc, a, MR, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

static CK_AVX512 void tile_a_cols(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                                  const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)rs_a;
    tile_cols(kc, a, cs_a, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

/// A read in place row by row: A(i,p) = a[i*rs_a + p]. Four base pointers
/// with scaled-index addressing reach the twelve rows without spilling. A
/// non-zero pf_rows prefetches the next MR rows of A (the next panel), one
/// 16-float piece of one row per k step, since twelve fresh row streams start
/// too slowly for the hardware prefetcher.
static CK_AVX512 void tile_a_rows(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                                  const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)cs_a;
    ZERO_AND_PREFETCH_C()
    const float *a0 = a, *a3 = a + 3 * rs_a, *a6 = a + 6 * rs_a, *a9 = a + 9 * rs_a;
#define ROWS_STEP()                                                                   \
    do {                                                                              \
        const __m512 b0 = _mm512_loadu_ps(b);                                         \
        const __m512 b1 = _mm512_loadu_ps(b + 16);                                    \
        FMA_ROW(0, a0[0]); FMA_ROW(1, a0[rs_a]); FMA_ROW(2, a0[2 * rs_a]);            \
        FMA_ROW(3, a3[0]); FMA_ROW(4, a3[rs_a]); FMA_ROW(5, a3[2 * rs_a]);            \
        FMA_ROW(6, a6[0]); FMA_ROW(7, a6[rs_a]); FMA_ROW(8, a6[2 * rs_a]);            \
        FMA_ROW(9, a9[0]); FMA_ROW(10, a9[rs_a]); FMA_ROW(11, a9[2 * rs_a]);          \
        a0++; a3++; a6++; a9++;                                                       \
        b += rs_b;                                                                    \
    } while (0)
    if (pf_rows) {
        const float *next = a + MR * rs_a;
        ptrdiff_t row = 0, column = 0;
#pragma clang loop unroll(disable)
        for (ptrdiff_t p = 0; p < kc; p++) {
            _mm_prefetch((const char *)(next + row * rs_a + column), _MM_HINT_T0);
            if (++row == MR) { row = 0; column += 16; }
            ROWS_STEP();
        }
    } else {
#pragma clang loop unroll(disable)
        for (ptrdiff_t p = 0; p < kc; p++) ROWS_STEP();
    }
#undef ROWS_STEP
    store_12x32(c0, c1, c, ldc, alpha, beta);
}

/// Packs op(B)[p0.., j0..j0+nr] of a B stored transposed (row j holds column j
/// of op(B)) as bpack[p*NR + j], zero past nr: 16×16 blocks loaded row by
/// row and transposed in registers, instead of one strided store per value.
static CK_AVX512 void pack_bt(const float *b, ptrdiff_t ldb, ptrdiff_t p0, ptrdiff_t j0, ptrdiff_t nr,
                              ptrdiff_t kc, float *bpack) {
    for (ptrdiff_t pp = 0; pp < kc; pp += 16) {
        const ptrdiff_t count = kc - pp < 16 ? kc - pp : 16;
        const __mmask16 m = count == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
        for (ptrdiff_t half = 0; half < NR; half += 16) {
            __m512 r[16];
            for (int jj = 0; jj < 16; jj++) {
                const ptrdiff_t j = half + jj;
                r[jj] = j < nr ? _mm512_maskz_loadu_ps(m, b + (j0 + j) * ldb + p0 + pp) : _mm512_setzero_ps();
            }
            ck_transpose_16x16(r);
            for (ptrdiff_t q = 0; q < count; q++) _mm512_storeu_ps(bpack + (pp + q) * NR + half, r[q]);
        }
    }
}

CK_AVX512 int ck_sgemm_avx512(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                               float alpha, const float *a, ptrdiff_t lda,
                               const float *b, ptrdiff_t ldb,
                               float beta, float *c, ptrdiff_t ldc) {
    return ck_gemm_driver(MR, NR, tile_packed, tile_a_cols, tile_a_rows, pack_bt,
                   trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#endif
