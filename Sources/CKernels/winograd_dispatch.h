// What the Winograd transform files share: the argument lists of the tile
// transforms, the macro that compiles each transform body for AVX-512, AVX2
// and portable C (vector_kernels.h) and exports it behind a run-time
// dispatch, and the kernel transform and its adjoint, written over a file's
// `spread` (G, 3 → α) and `gather` (Gᵀ, α → 3).
#ifndef CK_WINOGRAD_DISPATCH_H
#define CK_WINOGRAD_DISPATCH_H

#include "vector_kernels.h"

#define CK_INPUT_ARGS const float *padded, ptrdiff_t pw, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, \
    float *v, ptrdiff_t xs
#define CK_OUTPUT_ARGS const float *m, ptrdiff_t xs, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *out
#define CK_OUTPUT_ADJOINT_ARGS const float *dy, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, \
    float *dm, ptrdiff_t xs
#define CK_INPUT_ADJOINT_ARGS const float *dv, ptrdiff_t xs, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x, \
    float *padded, ptrdiff_t pw

#define CK_KERNEL_ARGS const float *w, ptrdiff_t cout, ptrdiff_t cin, int transposed, ptrdiff_t first, \
    ptrdiff_t last, float *u, ptrdiff_t plane
#define CK_KERNEL_ADJOINT_ARGS const float *du, ptrdiff_t plane, ptrdiff_t cout, ptrdiff_t cin, ptrdiff_t first, \
    ptrdiff_t last, float *dw

/// The six transforms compiled for one instruction set.
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
    }                                                                                            \
    static attributes void kernel_##suffix(CK_KERNEL_ARGS) {                                     \
        kernel_body(w, cout, cin, transposed, first, last, u, plane);                            \
    }                                                                                            \
    static attributes void kernel_adjoint_##suffix(CK_KERNEL_ADJOINT_ARGS) {                     \
        kernel_adjoint_body(du, plane, cout, cin, first, last, dw);                              \
    }


/// Compiles the bodies `input_body`, `output_body`, `output_adjoint_body`,
/// `input_adjoint_body` defined above it, and the kernel maps over its
/// `spread` and `gather`, for every instruction set, and exports them as
/// `prefix_input`, `prefix_output`, `prefix_output_adjoint`,
/// `prefix_input_adjoint`, `prefix_kernel` and `prefix_kernel_adjoint`.
#define CK_WINOGRAD_TRANSFORMS(prefix, alpha)                                                    \
    CK_WINOGRAD_KERNEL_BODIES(alpha)                                                             \
    CK_FOR_EACH_ISA(CK_WINOGRAD_VARIANT)                                                         \
    void prefix##_input(CK_INPUT_ARGS) { CK_DISPATCH(input, padded, pw, ch, tiles_y, tiles_x, v, xs); } \
    void prefix##_output(CK_OUTPUT_ARGS) { CK_DISPATCH(output, m, xs, ch, tiles_y, tiles_x, out); }   \
    void prefix##_output_adjoint(CK_OUTPUT_ADJOINT_ARGS) {                                       \
        CK_DISPATCH(output_adjoint, dy, ch, tiles_y, tiles_x, dm, xs);                           \
    }                                                                                            \
    void prefix##_input_adjoint(CK_INPUT_ADJOINT_ARGS) {                                         \
        CK_DISPATCH(input_adjoint, dv, xs, ch, tiles_y, tiles_x, padded, pw);                    \
    }                                                                                            \
    void prefix##_kernel(CK_KERNEL_ARGS) {                                                       \
        CK_DISPATCH(kernel, w, cout, cin, transposed, first, last, u, plane);                    \
    }                                                                                            \
    void prefix##_kernel_adjoint(CK_KERNEL_ADJOINT_ARGS) {                                       \
        CK_DISPATCH(kernel_adjoint, du, plane, cout, cin, first, last, dw);                      \
    }

/// Defines `kernel_body` (U = G g Gᵀ) and `kernel_adjoint_body`
/// (dW = Gᵀ dU G) for α × α tiles, over the `spread` and `gather` above it.
/// Both run over 16 kernels at a time, one per vector lane, those that are
/// contiguous in U's planes (`[ξ][c][o]`, or `[ξ][o][c]` when transposed):
/// the lanes' 9 weights go between `[o][c][3][3]` and vectors through a small
/// staging block (setting lanes one by one spills), U is read or written a
/// whole vector at a time.
#define CK_WINOGRAD_KERNEL_BODIES(alpha)                                                         \
    ALWAYS_INLINE void kernel_body(CK_KERNEL_ARGS) {                                            \
        const ptrdiff_t rows = transposed ? cout : cin, columns = transposed ? cin : cout;       \
        const ptrdiff_t row_stride = transposed ? cin * 9 : 9, lane_stride = transposed ? 9 : cin * 9; \
        for (ptrdiff_t r = first; r < last; r++)                                                 \
            for (ptrdiff_t c0 = 0; c0 < columns; c0 += LANES) {                                  \
                const ptrdiff_t n = columns - c0 < LANES ? columns - c0 : LANES;                 \
                const float *first = w + r * row_stride + c0 * lane_stride;                      \
                float staged[9][LANES] = {{0}};                                                  \
                vec g[9], columns3[3][alpha], tile[(alpha) * (alpha)];                           \
                for (ptrdiff_t k = 0; k < n; k++)                                                \
                    for (int e = 0; e < 9; e++) staged[e][k] = first[k * lane_stride + e];       \
                for (int e = 0; e < 9; e++) g[e] = load(staged[e], LANES);                       \
                for (int j = 0; j < 3; j++) spread(g[j], g[3 + j], g[6 + j], columns3[j]);       \
                for (int i = 0; i < (alpha); i++)                                                \
                    spread(columns3[0][i], columns3[1][i], columns3[2][i], tile + (alpha) * i);  \
                for (int xi = 0; xi < (alpha) * (alpha); xi++)                                   \
                    store(u + xi * plane + r * columns + c0, tile[xi], n);                       \
            }                                                                                    \
    }                                                                                            \
    ALWAYS_INLINE void kernel_adjoint_body(CK_KERNEL_ADJOINT_ARGS) {                             \
        for (ptrdiff_t c = first; c < last; c++)                                                 \
            for (ptrdiff_t o0 = 0; o0 < cout; o0 += LANES) {                                     \
                const ptrdiff_t n = cout - o0 < LANES ? cout - o0 : LANES;                       \
                vec columns3[alpha][3], row[alpha], out[3], v[alpha];                            \
                for (int j = 0; j < (alpha); j++) {                                              \
                    for (int i = 0; i < (alpha); i++)                                            \
                        v[i] = load(du + ((alpha) * i + j) * plane + c * cout + o0, n);          \
                    gather(v, columns3[j]);                                                      \
                }                                                                                \
                float staged[9][LANES];                                                          \
                for (int i = 0; i < 3; i++) {                                                    \
                    for (int j = 0; j < (alpha); j++) row[j] = columns3[j][i];                   \
                    gather(row, out);                                                            \
                    for (int j = 0; j < 3; j++) store(staged[3 * i + j], out[j], LANES);         \
                }                                                                                \
                float *g = dw + (o0 * cin + c) * 9;                                              \
                for (ptrdiff_t k = 0; k < n; k++)                                                \
                    for (int e = 0; e < 9; e++) g[k * cin * 9 + e] = staged[e][k];               \
            }                                                                                    \
    }

#endif
