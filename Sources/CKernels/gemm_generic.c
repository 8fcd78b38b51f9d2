// Portable SGEMM: the same blocked loop nest with a plain C 4×16 micro-kernel
// that the compiler may vectorise for whatever the baseline target is.
#include "gemm_driver.h"
#include "gemm_isa.h"

#define MR 4
#define NR 16

static inline __attribute__((always_inline))
void tile_4x16(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
               const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)pf_rows;
    float acc[MR][NR] = {{0}};
    for (ptrdiff_t p = 0; p < kc; p++) {
        for (int i = 0; i < MR; i++) {
            const float ai = a[i * rs_a];
            for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
        }
        a += cs_a;
        b += rs_b;
    }
    ck_merge_tile(&acc[0][0], NR, MR, NR, c, ldc, alpha, beta);
}

static void tile_packed(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                        const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)rs_a; (void)cs_a;
    tile_4x16(kc, a, 1, MR, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

static void tile_a_cols(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                        const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)rs_a;
    tile_4x16(kc, a, 1, cs_a, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

static void tile_a_rows(ptrdiff_t kc, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                        const float *b, ptrdiff_t rs_b, ptrdiff_t pf_rows, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (void)cs_a;
    tile_4x16(kc, a, rs_a, 1, b, rs_b, pf_rows, c, ldc, alpha, beta);
}

int ck_sgemm_generic(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                      float alpha, const float *a, ptrdiff_t lda,
                      const float *b, ptrdiff_t ldb,
                      float beta, float *c, ptrdiff_t ldc) {
    return ck_gemm_driver(MR, NR, tile_packed, tile_a_cols, tile_a_rows, NULL,
                   trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
