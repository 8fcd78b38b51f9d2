// What the Winograd transform files share: the argument lists of the four
// tile transforms, the macro that compiles each transform body for AVX-512,
// AVX2 and portable C and exports it behind a run-time dispatch, and the
// kernel transform and its adjoint, written over a file's `spread` (G, 3 → α)
// and `gather` (Gᵀ, α → 3).
#ifndef CK_WINOGRAD_DISPATCH_H
#define CK_WINOGRAD_DISPATCH_H

#include "CKernels.h"
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))
/// Unrolls a loop over a tile's rows or columns completely, so that what is
/// left is the loop over channels, which the compiler vectorises.
#define UNROLL _Pragma("clang loop unroll(full)")

#define CK_INPUT_ARGS const float *padded, ptrdiff_t pw, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, \
    float *v, ptrdiff_t xs
#define CK_OUTPUT_ARGS const float *m, ptrdiff_t xs, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *out
#define CK_OUTPUT_ADJOINT_ARGS const float *dy, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, \
    float *dm, ptrdiff_t xs
#define CK_INPUT_ADJOINT_ARGS const float *dv, ptrdiff_t xs, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, \
    float *padded, ptrdiff_t pw

/// The four transforms compiled for one instruction set.
#define CK_WINOGRAD_VARIANT(suffix, attributes)                                                  \
    static attributes void input_##suffix(CK_INPUT_ARGS) {                                       \
        input_body(padded, pw, ch, tiles_y, tiles_x, v, xs);                                     \
    }                                                                                            \
    static attributes void output_##suffix(CK_OUTPUT_ARGS) {                                     \
        output_body(m, xs, ch, tiles_y, tiles_x, out);                                           \
    }                                                                                            \
    static attributes void output_adjoint_##suffix(CK_OUTPUT_ADJOINT_ARGS) {                     \
        output_adjoint_body(dy, ch, tiles_y, tiles_x, dm, xs);                                   \
    }                                                                                            \
    static attributes void input_adjoint_##suffix(CK_INPUT_ADJOINT_ARGS) {                       \
        input_adjoint_body(dv, xs, ch, tiles_y, tiles_x, padded, pw);                            \
    }

#if defined(__x86_64__)
#define CK_WINOGRAD_ALL_VARIANTS                                                                 \
    CK_WINOGRAD_VARIANT(generic, )                                                               \
    CK_WINOGRAD_VARIANT(avx2, __attribute__((target("avx2,fma"))))                               \
    CK_WINOGRAD_VARIANT(avx512, __attribute__((target("avx512f"))))
#define CK_DISPATCH(name, ...)                                                                   \
    switch (ck_current_isa()) {                                                                  \
    case CK_ISA_AVX512: name##_avx512(__VA_ARGS__); return;                                      \
    case CK_ISA_AVX2: name##_avx2(__VA_ARGS__); return;                                          \
    default: name##_generic(__VA_ARGS__); return;                                                \
    }
#else
#define CK_WINOGRAD_ALL_VARIANTS CK_WINOGRAD_VARIANT(generic, )
#define CK_DISPATCH(name, ...) name##_generic(__VA_ARGS__)
// Both kernel maps visit 16 output channels at a time through a small local
// block, so that the α² planes of u, which can sit a multiple of 4 KiB apart
// and collide in the L1 sets, are read or written 64 bytes at a time.
#define CK_KERNEL_BLOCK 16

/// Exports `prefix_kernel` (U = G g Gᵀ) and `prefix_kernel_adjoint`
/// (dW = Gᵀ dU G) for α × α tiles, over the `spread` and `gather` above it.
#define CK_WINOGRAD_KERNEL_MAPS(prefix, alpha)                                                   \
    void prefix##_kernel(const float *w, ptrdiff_t cout, ptrdiff_t cin, float *u) {              \
        const ptrdiff_t plane = cout * cin;                                                      \
        float block[(alpha) * (alpha)][CK_KERNEL_BLOCK], tile[(alpha) * (alpha)];                \
        for (ptrdiff_t c = 0; c < cin; c++)                                                      \
            for (ptrdiff_t o0 = 0; o0 < cout; o0 += CK_KERNEL_BLOCK) {                           \
                const ptrdiff_t count = cout - o0 < CK_KERNEL_BLOCK ? cout - o0 : CK_KERNEL_BLOCK; \
                for (ptrdiff_t k = 0; k < count; k++) {                                          \
                    const float *g = w + ((o0 + k) * cin + c) * 9;                               \
                    float columns[3][alpha];                                                     \
                    for (int j = 0; j < 3; j++) spread(g[j], g[3 + j], g[6 + j], columns[j]);   \
                    for (int i = 0; i < (alpha); i++)                                            \
                        spread(columns[0][i], columns[1][i], columns[2][i], tile + (alpha) * i); \
                    for (int xi = 0; xi < (alpha) * (alpha); xi++) block[xi][k] = tile[xi];      \
                }                                                                                \
                for (int xi = 0; xi < (alpha) * (alpha); xi++)                                   \
                    memcpy(u + xi * plane + c * cout + o0, block[xi], sizeof(float) * (size_t)count); \
            }                                                                                    \
    }                                                                                            \
    void prefix##_kernel_adjoint(const float *du, ptrdiff_t cout, ptrdiff_t cin, float *dw) {    \
        const ptrdiff_t plane = cout * cin;                                                      \
        float block[(alpha) * (alpha)][CK_KERNEL_BLOCK];                                         \
        for (ptrdiff_t c = 0; c < cin; c++)                                                      \
            for (ptrdiff_t o0 = 0; o0 < cout; o0 += CK_KERNEL_BLOCK) {                           \
                const ptrdiff_t count = cout - o0 < CK_KERNEL_BLOCK ? cout - o0 : CK_KERNEL_BLOCK; \
                for (int xi = 0; xi < (alpha) * (alpha); xi++)                                   \
                    memcpy(block[xi], du + xi * plane + c * cout + o0, sizeof(float) * (size_t)count); \
                for (ptrdiff_t k = 0; k < count; k++) {                                          \
                    float columns[alpha][3], row[alpha], out[3], v[alpha];                       \
                    for (int j = 0; j < (alpha); j++) {                                          \
                        for (int i = 0; i < (alpha); i++) v[i] = block[(alpha) * i + j][k];      \
                        gather(v, columns[j]);                                                   \
                    }                                                                            \
                    float *g = dw + ((o0 + k) * cin + c) * 9;                                    \
                    for (int i = 0; i < 3; i++) {                                                \
                        for (int j = 0; j < (alpha); j++) row[j] = columns[j][i];                \
                        gather(row, out);                                                        \
                        for (int j = 0; j < 3; j++) g[3 * i + j] = out[j];                       \
                    }                                                                            \
                }                                                                                \
            }                                                                                    \
    }

#endif

/// Compiles the bodies `input_body`, `output_body`, `output_adjoint_body` and
/// `input_adjoint_body` defined above it for every instruction set, and
/// exports them as `prefix_input`, `prefix_output`, `prefix_output_adjoint`
/// and `prefix_input_adjoint`.
#define CK_WINOGRAD_TRANSFORMS(prefix)                                                           \
    CK_WINOGRAD_ALL_VARIANTS                                                                     \
    void prefix##_input(CK_INPUT_ARGS) { CK_DISPATCH(input, padded, pw, ch, tiles_y, tiles_x, v, xs); } \
    void prefix##_output(CK_OUTPUT_ARGS) { CK_DISPATCH(output, m, xs, ch, tiles_y, tiles_x, out); }   \
    void prefix##_output_adjoint(CK_OUTPUT_ADJOINT_ARGS) {                                       \
        CK_DISPATCH(output_adjoint, dy, ch, tiles_y, tiles_x, dm, xs);                           \
    }                                                                                            \
    void prefix##_input_adjoint(CK_INPUT_ADJOINT_ARGS) {                                         \
        CK_DISPATCH(input_adjoint, dv, xs, ch, tiles_y, tiles_x, padded, pw);                    \
    }

// Both kernel maps visit 16 output channels at a time through a small local
// block, so that the α² planes of u, which can sit a multiple of 4 KiB apart
// and collide in the L1 sets, are read or written 64 bytes at a time.
#define CK_KERNEL_BLOCK 16

/// Exports `prefix_kernel` (U = G g Gᵀ) and `prefix_kernel_adjoint`
/// (dW = Gᵀ dU G) for α × α tiles, over the `spread` and `gather` above it.
#define CK_WINOGRAD_KERNEL_MAPS(prefix, alpha)                                                   \
    void prefix##_kernel(const float *w, ptrdiff_t cout, ptrdiff_t cin, float *u) {              \
        const ptrdiff_t plane = cout * cin;                                                      \
        float block[(alpha) * (alpha)][CK_KERNEL_BLOCK], tile[(alpha) * (alpha)];                \
        for (ptrdiff_t c = 0; c < cin; c++)                                                      \
            for (ptrdiff_t o0 = 0; o0 < cout; o0 += CK_KERNEL_BLOCK) {                           \
                const ptrdiff_t count = cout - o0 < CK_KERNEL_BLOCK ? cout - o0 : CK_KERNEL_BLOCK; \
                for (ptrdiff_t k = 0; k < count; k++) {                                          \
                    const float *g = w + ((o0 + k) * cin + c) * 9;                               \
                    float columns[3][alpha];                                                     \
                    for (int j = 0; j < 3; j++) spread(g[j], g[3 + j], g[6 + j], columns[j]);   \
                    for (int i = 0; i < (alpha); i++)                                            \
                        spread(columns[0][i], columns[1][i], columns[2][i], tile + (alpha) * i); \
                    for (int xi = 0; xi < (alpha) * (alpha); xi++) block[xi][k] = tile[xi];      \
                }                                                                                \
                for (int xi = 0; xi < (alpha) * (alpha); xi++)                                   \
                    memcpy(u + xi * plane + c * cout + o0, block[xi], sizeof(float) * (size_t)count); \
            }                                                                                    \
    }                                                                                            \
    void prefix##_kernel_adjoint(const float *du, ptrdiff_t cout, ptrdiff_t cin, float *dw) {    \
        const ptrdiff_t plane = cout * cin;                                                      \
        float block[(alpha) * (alpha)][CK_KERNEL_BLOCK];                                         \
        for (ptrdiff_t c = 0; c < cin; c++)                                                      \
            for (ptrdiff_t o0 = 0; o0 < cout; o0 += CK_KERNEL_BLOCK) {                           \
                const ptrdiff_t count = cout - o0 < CK_KERNEL_BLOCK ? cout - o0 : CK_KERNEL_BLOCK; \
                for (int xi = 0; xi < (alpha) * (alpha); xi++)                                   \
                    memcpy(block[xi], du + xi * plane + c * cout + o0, sizeof(float) * (size_t)count); \
                for (ptrdiff_t k = 0; k < count; k++) {                                          \
                    float columns[alpha][3], row[alpha], out[3], v[alpha];                       \
                    for (int j = 0; j < (alpha); j++) {                                          \
                        for (int i = 0; i < (alpha); i++) v[i] = block[(alpha) * i + j][k];      \
                        gather(v, columns[j]);                                                   \
                    }                                                                            \
                    float *g = dw + ((o0 + k) * cin + c) * 9;                                    \
                    for (int i = 0; i < 3; i++) {                                                \
                        for (int j = 0; j < (alpha); j++) row[j] = columns[j][i];                \
                        gather(row, out);                                                        \
                        for (int j = 0; j < 3; j++) g[3 * i + j] = out[j];                       \
                    }                                                                            \
                }                                                                                \
            }                                                                                    \
    }

#endif
