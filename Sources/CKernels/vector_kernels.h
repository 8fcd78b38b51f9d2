// What the kernels written on 16-float vectors share (Winograd transforms,
// GroupNorm loops): the vector type and its loads and stores, and the macros
// that compile one body for every instruction set and pick one at run time.
#ifndef CK_VECTOR_KERNELS_H
#define CK_VECTOR_KERNELS_H

#include "CKernels.h"
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// 16 floats (AVX-512: one register; AVX2: two; portable C: four). Every
/// function taking or returning one is always inlined, so no call passes one
/// across a variant's ABI boundary.
typedef float vec __attribute__((vector_size(64)));
typedef float unaligned_vec __attribute__((vector_size(64), aligned(4)));
#define LANES 16
#pragma clang diagnostic ignored "-Wpsabi"

/// The `count` ≤ 16 floats at `p`, zero beyond them.
ALWAYS_INLINE vec load(const float *p, ptrdiff_t count) {
    if (count == LANES) return *(const unaligned_vec *)p;
    vec v = {0};
    memcpy(&v, p, sizeof(float) * (size_t)count);
    return v;
}

/// Writes the first `count` ≤ 16 floats of `v` to `p`.
ALWAYS_INLINE void store(float *p, vec v, ptrdiff_t count) {
    if (count == LANES) *(unaligned_vec *)p = v;
    else memcpy(p, &v, sizeof(float) * (size_t)count);
}

/// `VARIANT(suffix, attributes)` once per instruction set: generic, and on
/// x86-64 also avx2 and avx512, each with its target attribute.
/// `CK_DISPATCH(name, args…)` calls `name_suffix(args…)` for the instruction
/// set the kernels dispatch to (`ck_current_isa`) and returns.
#if defined(__x86_64__)
#define CK_FOR_EACH_ISA(VARIANT)                                                                 \
    VARIANT(generic, )                                                                           \
    VARIANT(avx2, __attribute__((target("avx2,fma"))))                                           \
    VARIANT(avx512, __attribute__((target("avx512f"))))
#define CK_DISPATCH(name, ...)                                                                   \
    switch (ck_current_isa()) {                                                                  \
    case CK_ISA_AVX512: name##_avx512(__VA_ARGS__); return;                                      \
    case CK_ISA_AVX2: name##_avx2(__VA_ARGS__); return;                                          \
    default: name##_generic(__VA_ARGS__); return;                                                \
    }
#else
#define CK_FOR_EACH_ISA(VARIANT) VARIANT(generic, )
#define CK_DISPATCH(name, ...) name##_generic(__VA_ARGS__)
#endif

#endif
