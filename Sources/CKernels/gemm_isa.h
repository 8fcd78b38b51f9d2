// Entry points of the per-instruction-set SGEMMs (same contract as ck_sgemm;
// m, n, k > 0). They return 0, or -1 without touching C when out of memory.
// The AVX ones exist only on x86-64.
#ifndef CK_GEMM_ISA_H
#define CK_GEMM_ISA_H

#include <stddef.h>

#define CK_SGEMM_ARGS int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, \
    float alpha, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,        \
    float beta, float *c, ptrdiff_t ldc

int ck_sgemm_generic(CK_SGEMM_ARGS);
#if defined(__x86_64__)
int ck_sgemm_avx2(CK_SGEMM_ARGS);
int ck_sgemm_avx512(CK_SGEMM_ARGS);
#endif

#endif
