// Portable reference SGEMM and instruction-set dispatch.
#include "CKernels.h"

static ck_isa forced_isa = CK_ISA_AUTO;

ck_isa ck_current_isa(void) {
    if (forced_isa != CK_ISA_AUTO) return forced_isa;
    return CK_ISA_GENERIC;
}

int ck_force_isa(ck_isa isa) {
    if (isa == CK_ISA_AUTO || isa == CK_ISA_GENERIC) { forced_isa = isa; return 0; }
    return -1;
}

const char *ck_isa_name(ck_isa isa) {
    switch (isa) {
    case CK_ISA_AVX512: return "avx512";
    case CK_ISA_AVX2: return "avx2";
    case CK_ISA_GENERIC: return "generic";
    default: return "auto";
    }
}

void ck_sgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
              float alpha, const float *a, ptrdiff_t lda,
              const float *b, ptrdiff_t ldb,
              float beta, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t i = 0; i < m; i++) {
        float *crow = c + i * ldc;
        if (beta == 0.0f) {
            for (ptrdiff_t j = 0; j < n; j++) crow[j] = 0.0f;
        } else if (beta != 1.0f) {
            for (ptrdiff_t j = 0; j < n; j++) crow[j] *= beta;
        }
        for (ptrdiff_t p = 0; p < k; p++) {
            float av = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
            if (av == 0.0f) continue;
            if (trans_b) {
                for (ptrdiff_t j = 0; j < n; j++) crow[j] += av * b[j * ldb + p];
            } else {
                const float *brow = b + p * ldb;
                for (ptrdiff_t j = 0; j < n; j++) crow[j] += av * brow[j];
            }
        }
    }
}
