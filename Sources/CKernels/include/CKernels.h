#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include "CKScratch.h"
#include "CKElementwise.h"
#include "CKWinograd.h"
#include "CKLayout.h"
#include "CKNormalization.h"
#include "CKThreadPool.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction sets a kernel can be dispatched to.
typedef enum {
    CK_ISA_AUTO = 0,
    CK_ISA_GENERIC = 1,
    CK_ISA_AVX2 = 2,
    CK_ISA_AVX512 = 3,
    CK_ISA_ACCELERATE = 4
} ck_isa;

/// Single-threaded row-major SGEMM: C = alpha * op(A) * op(B) + beta * C,
/// op(A) is m x k, op(B) is k x n. With trans_a, A is stored k x m (lda >= m);
/// with trans_b, B is stored n x k (ldb >= k). beta == 0 overwrites C without
/// reading it (NaN in C is ignored). Packed, cache-blocked, with a micro-kernel
/// chosen at run time (AVX-512, AVX2+FMA, portable C; Accelerate on Apple).
void ck_sgemm(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
              float alpha, const float *a, ptrdiff_t lda,
              const float *b, ptrdiff_t ldb,
              float beta, float *c, ptrdiff_t ldc);

/// The instruction set the kernels currently dispatch to.
ck_isa ck_current_isa(void);

/// Forces an instruction set (CK_ISA_AUTO restores detection). Returns 0 on
/// success, -1 when the CPU does not support the requested set.
int ck_force_isa(ck_isa isa);

/// A short name of an instruction set: "generic", "avx2", "avx512", "accelerate".
const char *ck_isa_name(ck_isa isa);

/// Serves blocks up to 32 MB from the heap and keeps freed memory for reuse
/// (glibc only; a no-op elsewhere). Returns 1 when the allocator took the
/// settings, else 0.
int ck_keep_freed_memory_for_reuse(void);

#ifdef __cplusplus
}
#endif

#endif
