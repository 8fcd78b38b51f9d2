// The public SGEMM entry point: trivial cases, instruction-set detection and
// dispatch, and the per-thread scratch memory of the blocked kernels.
#include "CKernels.h"
#include "gemm_driver.h"
#include "gemm_isa.h"

#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>
#endif

static _Atomic int forced_isa = CK_ISA_AUTO;

static int cpu_supports(ck_isa isa) {
    switch (isa) {
    case CK_ISA_GENERIC: return 1;
#if defined(__x86_64__)
    case CK_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case CK_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
#if defined(__APPLE__)
    case CK_ISA_ACCELERATE: return 1;
#endif
    default: return 0;
    }
}

static ck_isa detected_isa(void) {
    static _Atomic int detected = CK_ISA_AUTO;
    int isa = detected;
    if (isa == CK_ISA_AUTO) {
#if defined(__APPLE__)
        isa = CK_ISA_ACCELERATE;
#else
        isa = cpu_supports(CK_ISA_AVX512) ? CK_ISA_AVX512
            : cpu_supports(CK_ISA_AVX2) ? CK_ISA_AVX2 : CK_ISA_GENERIC;
#endif
        detected = isa;
    }
    return (ck_isa)isa;
}

ck_isa ck_current_isa(void) {
    int isa = forced_isa;
    return isa != CK_ISA_AUTO ? (ck_isa)isa : detected_isa();
}

int ck_force_isa(ck_isa isa) {
    if (isa != CK_ISA_AUTO && !cpu_supports(isa)) return -1;
    forced_isa = isa;
    return 0;
}

const char *ck_isa_name(ck_isa isa) {
    switch (isa) {
    case CK_ISA_AVX512: return "avx512";
    case CK_ISA_AVX2: return "avx2";
    case CK_ISA_GENERIC: return "generic";
    case CK_ISA_ACCELERATE: return "accelerate";
    default: return "auto";
    }
}

/// C = beta·C over m×n (beta == 0 writes zeros, ignoring what C held).
static void scale_c(ptrdiff_t m, ptrdiff_t n, float beta, float *c, ptrdiff_t ldc) {
    if (beta == 1.0f) return;
    for (ptrdiff_t i = 0; i < m; i++) {
        float *cr = c + i * ldc;
        if (beta == 0.0f) {
            for (ptrdiff_t j = 0; j < n; j++) cr[j] = 0.0f;
        } else {
            for (ptrdiff_t j = 0; j < n; j++) cr[j] *= beta;
        }
    }
}

/// The unblocked product, for when the blocked kernels cannot get scratch memory.
static void sgemm_unblocked(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                            float alpha, const float *a, ptrdiff_t lda,
                            const float *b, ptrdiff_t ldb,
                            float beta, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t i = 0; i < m; i++) {
        for (ptrdiff_t j = 0; j < n; j++) {
            float sum = 0.0f;
            for (ptrdiff_t p = 0; p < k; p++)
                sum += (trans_a ? a[p * lda + i] : a[i * lda + p]) * (trans_b ? b[j * ldb + p] : b[p * ldb + j]);
            float *cij = c + i * ldc + j;
            *cij = beta == 0.0f ? alpha * sum : alpha * sum + beta * *cij;
        }
    }
}

void ck_sgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
              float alpha, const float *a, ptrdiff_t lda,
              const float *b, ptrdiff_t ldb,
              float beta, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    int status;
    switch (ck_current_isa()) {
#if defined(__x86_64__)
    case CK_ISA_AVX512:
        status = ck_sgemm_avx512(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        break;
    case CK_ISA_AVX2:
        status = ck_sgemm_avx2(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        break;
#endif
#if defined(__APPLE__)
    case CK_ISA_ACCELERATE:
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                    (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
        status = 0;
        break;
#endif
    default:
        status = ck_sgemm_generic(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        break;
    }
    if (status != 0) sgemm_unblocked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
