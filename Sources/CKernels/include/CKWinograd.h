#ifndef CKWINOGRAD_H
#define CKWINOGRAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// The tile transforms of the Winograd convolutions F(m×m, 3×3) (Lavin & Gray
// 2016), m = 2 (`ck_winograd2_…`), m = 4 (`ck_winograd4_…`) and m = 5
// (`ck_winograd5_…`): an output
// tile Y (m×m) of a 3×3 correlation of an input tile d (α×α, α = m + 2) with
// a kernel g is Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A, with for m = 2
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
//   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1],
// and for m = 4 (points 0, ±1, ±2, ∞)
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// and for m = 5 (points 0, ±1, ±2, ½, ∞; derived in tools/winograd_f5.py)
//   Bᵀ = [−4 8 5 −10 −1 2 0; 0 4 −4 −9 1 2 0; 0 −4 12 −7 −3 2 0; 0 2 −3 −4 3 2 0;
//         0 −2 5 0 −5 2 0; 0 4 0 −5 0 1 0; 0 −4 8 5 −10 −1 2],
//   G  = [−¼ 0 0; −⅙ −⅙ −⅙; 1/18 −1/18 1/18; 1/72 1/36 1/18; −1/120 1/60 −1/30;
//         32/45 16/45 8/45; 0 0 ½],
//   Aᵀ = [1 1 1 1 1 1 0; 0 1 −1 2 −2 ½ 0; 0 1 1 4 4 ¼ 0; 0 1 −1 8 −8 ⅛ 0; 0 1 1 16 16 1/16 1].
// Images are channels-last, `[row][column][channel]`; tile t = ty·tiles_x + tx
// covers rows m·ty… and columns m·tx… . A transformed tensor is laid out
// `[ξ][t][channel]`, ξ = α·i + j the α² positions of the transform, the
// ξ planes `xi_stride` floats apart, so that each ξ is one matrix (tiles ×
// channels) for a GEMM. The loops run over channels in SIMD (AVX-512, AVX2 or
// portable C, as the SGEMM dispatches).

#define CK_WINOGRAD_DECLARATIONS(prefix)                                                          \
    /** V = Bᵀ d B for every tile of `padded` `[m·tiles_y + 2][padded_width][channels]`. */      \
    void prefix##_input(const float *padded, ptrdiff_t padded_width, ptrdiff_t channels,          \
                        ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *v, ptrdiff_t xi_stride);      \
    /** Y = Aᵀ M A for every tile, written to `out` `[m·tiles_y][m·tiles_x][channels]`. */       \
    void prefix##_output(const float *m, ptrdiff_t xi_stride, ptrdiff_t channels,                 \
                         ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *out);                        \
    /** The adjoint of `_output`: dM = A dY Aᵀ for every tile of `dy` `[m·tiles_y][m·tiles_x][channels]`. */ \
    void prefix##_output_adjoint(const float *dy, ptrdiff_t channels, ptrdiff_t tiles_y,          \
                                 ptrdiff_t tiles_x, float *dm, ptrdiff_t xi_stride);               \
    /** The adjoint of `_input`: adds B dV Bᵀ of every tile into `padded` (overlapping tiles add up). */ \
    void prefix##_input_adjoint(const float *dv, ptrdiff_t xi_stride, ptrdiff_t channels,         \
                                ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *padded,               \
                                ptrdiff_t padded_width);                                           \
    /** U = G g Gᵀ of the kernels g = w[o][c] of `w` `[cout][cin][3][3]`, written `u[ξ][c][o]` */ \
    /** for c in first..<last (or `u[ξ][o][c]` for o in first..<last when `transposed`), the ξ */ \
    /** planes `plane` floats apart. */                                                           \
    void prefix##_kernel(const float *w, ptrdiff_t cout, ptrdiff_t cin, int transposed,          \
                         ptrdiff_t first, ptrdiff_t last, float *u, ptrdiff_t plane);              \
    /** The adjoint of `_kernel`: dW = Gᵀ dU G of `du[ξ][c][o]` (planes `plane` floats apart) */  \
    /** for c in first..<last, written `dw[o][c][3][3]`. */                                       \
    void prefix##_kernel_adjoint(const float *du, ptrdiff_t plane, ptrdiff_t cout, ptrdiff_t cin, \
                                 ptrdiff_t first, ptrdiff_t last, float *dw);

CK_WINOGRAD_DECLARATIONS(ck_winograd2)
CK_WINOGRAD_DECLARATIONS(ck_winograd4)
CK_WINOGRAD_DECLARATIONS(ck_winograd5)

#ifdef __cplusplus
}
#endif

#endif
