#ifndef CKWINOGRAD_H
#define CKWINOGRAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// The tile transforms of the Winograd convolution F(2×2, 3×3) (Lavin & Gray
// 2016): an output tile Y (2×2) of a 3×3 correlation of an input tile d (4×4)
// with a kernel g is Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A, with
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
//   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
// Images are channels-last, `[row][column][channel]`; tile t = ty·tiles_x + tx
// covers rows 2ty… and columns 2tx… . A transformed tensor is laid out
// `[ξ][t][channel]`, ξ = 4i + j the 16 positions of the 4×4 transform, the
// ξ planes `xi_stride` floats apart, so that each ξ is one matrix (tiles ×
// channels) for a GEMM. The loops run over channels in SIMD (AVX-512, AVX2 or
// portable C, as the SGEMM dispatches).

/// V = Bᵀ d B for every tile of `padded` `[2·tiles_y + 2][padded_width][channels]`.
void ck_winograd_input(const float *padded, ptrdiff_t padded_width, ptrdiff_t channels,
                       ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *v, ptrdiff_t xi_stride);

/// Y = Aᵀ M A for every tile, written to `out` `[2·tiles_y][2·tiles_x][channels]`.
void ck_winograd_output(const float *m, ptrdiff_t xi_stride, ptrdiff_t channels,
                        ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *out);

/// The adjoint of `ck_winograd_output`: dM = A dY Aᵀ for every tile of
/// `dy` `[2·tiles_y][2·tiles_x][channels]`.
void ck_winograd_output_adjoint(const float *dy, ptrdiff_t channels, ptrdiff_t tiles_y, ptrdiff_t tiles_x,
                                float *dm, ptrdiff_t xi_stride);

/// The adjoint of `ck_winograd_input`: adds B dV Bᵀ of every tile into
/// `padded` `[2·tiles_y + 2][padded_width][channels]` (overlapping tiles add up).
void ck_winograd_input_adjoint(const float *dv, ptrdiff_t xi_stride, ptrdiff_t channels,
                               ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *padded, ptrdiff_t padded_width);

/// U = G g Gᵀ of every kernel g = w[o][c] of `w` `[cout][cin][3][3]`, written `u[ξ][c][o]`.
void ck_winograd_kernel(const float *w, ptrdiff_t cout, ptrdiff_t cin, float *u);

/// The adjoint of `ck_winograd_kernel`: dW = Gᵀ dU G of every
/// `du[ξ][c][o]`, written `dw[o][c][3][3]`.
void ck_winograd_kernel_adjoint(const float *du, ptrdiff_t cout, ptrdiff_t cin, float *dw);

#ifdef __cplusplus
}
#endif

#endif
