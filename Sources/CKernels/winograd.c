// Winograd F(2×2, 3×3) tile transforms (see CKWinograd.h). Each transform is
// written once, as loops over channels that the compiler vectorises, and
// instantiated for AVX-512, AVX2 and portable C.
#include "CKernels.h"
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE void input_body(const float *restrict padded, ptrdiff_t pw, ptrdiff_t ch,
                              ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict v, ptrdiff_t xs) {
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict d = padded + (2 * ty * pw + 2 * tx) * ch;
            float *restrict o = v + (ty * tiles_x + tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c++) {
                float t[4][4];
                for (int j = 0; j < 4; j++) {
                    const float d0 = d[(0 * pw + j) * ch + c], d1 = d[(1 * pw + j) * ch + c];
                    const float d2 = d[(2 * pw + j) * ch + c], d3 = d[(3 * pw + j) * ch + c];
                    t[0][j] = d0 - d2;
                    t[1][j] = d1 + d2;
                    t[2][j] = d2 - d1;
                    t[3][j] = d1 - d3;
                }
                for (int i = 0; i < 4; i++) {
                    o[(4 * i + 0) * xs + c] = t[i][0] - t[i][2];
                    o[(4 * i + 1) * xs + c] = t[i][1] + t[i][2];
                    o[(4 * i + 2) * xs + c] = t[i][2] - t[i][1];
                    o[(4 * i + 3) * xs + c] = t[i][1] - t[i][3];
                }
            }
        }
    }
}

ALWAYS_INLINE void output_body(const float *restrict m, ptrdiff_t xs, ptrdiff_t ch,
                               ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict out) {
    const ptrdiff_t ow = 2 * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict s = m + (ty * tiles_x + tx) * ch;
            float *restrict y = out + (2 * ty * ow + 2 * tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c++) {
                float t[2][4];
                for (int j = 0; j < 4; j++) {
                    const float m0 = s[(0 + j) * xs + c], m1 = s[(4 + j) * xs + c];
                    const float m2 = s[(8 + j) * xs + c], m3 = s[(12 + j) * xs + c];
                    t[0][j] = m0 + m1 + m2;
                    t[1][j] = m1 - m2 - m3;
                }
                for (int i = 0; i < 2; i++) {
                    y[(i * ow + 0) * ch + c] = t[i][0] + t[i][1] + t[i][2];
                    y[(i * ow + 1) * ch + c] = t[i][1] - t[i][2] - t[i][3];
                }
            }
        }
    }
}

ALWAYS_INLINE void output_adjoint_body(const float *restrict dy, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x,
                                       float *restrict dm, ptrdiff_t xs) {
    const ptrdiff_t ow = 2 * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict y = dy + (2 * ty * ow + 2 * tx) * ch;
            float *restrict o = dm + (ty * tiles_x + tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c++) {
                float u[4][2];
                for (int j = 0; j < 2; j++) {
                    const float y0 = y[(0 * ow + j) * ch + c], y1 = y[(1 * ow + j) * ch + c];
                    u[0][j] = y0;
                    u[1][j] = y0 + y1;
                    u[2][j] = y0 - y1;
                    u[3][j] = -y1;
                }
                for (int i = 0; i < 4; i++) {
                    o[(4 * i + 0) * xs + c] = u[i][0];
                    o[(4 * i + 1) * xs + c] = u[i][0] + u[i][1];
                    o[(4 * i + 2) * xs + c] = u[i][0] - u[i][1];
                    o[(4 * i + 3) * xs + c] = -u[i][1];
                }
            }
        }
    }
}

ALWAYS_INLINE void input_adjoint_body(const float *restrict dv, ptrdiff_t xs, ptrdiff_t ch,
                                      ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict padded, ptrdiff_t pw) {
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict s = dv + (ty * tiles_x + tx) * ch;
            float *restrict d = padded + (2 * ty * pw + 2 * tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c++) {
                float w[4][4];
                for (int j = 0; j < 4; j++) {
                    const float v0 = s[(0 + j) * xs + c], v1 = s[(4 + j) * xs + c];
                    const float v2 = s[(8 + j) * xs + c], v3 = s[(12 + j) * xs + c];
                    w[0][j] = v0;
                    w[1][j] = v1 - v2 + v3;
                    w[2][j] = v1 + v2 - v0;
                    w[3][j] = -v3;
                }
                for (int i = 0; i < 4; i++) {
                    d[(i * pw + 0) * ch + c] += w[i][0];
                    d[(i * pw + 1) * ch + c] += w[i][1] - w[i][2] + w[i][3];
                    d[(i * pw + 2) * ch + c] += w[i][1] + w[i][2] - w[i][0];
                    d[(i * pw + 3) * ch + c] -= w[i][3];
                }
            }
        }
    }
}

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

CK_WINOGRAD_VARIANT(generic, )
#if defined(__x86_64__)
CK_WINOGRAD_VARIANT(avx2, __attribute__((target("avx2,fma"))))
CK_WINOGRAD_VARIANT(avx512, __attribute__((target("avx512f"))))
#define CK_DISPATCH(name, ...)                                                                   \
    switch (ck_current_isa()) {                                                                  \
    case CK_ISA_AVX512: name##_avx512(__VA_ARGS__); return;                                      \
    case CK_ISA_AVX2: name##_avx2(__VA_ARGS__); return;                                          \
    default: name##_generic(__VA_ARGS__); return;                                                \
    }
#else
#define CK_DISPATCH(name, ...) name##_generic(__VA_ARGS__)
#endif

void ck_winograd_input(CK_INPUT_ARGS) { CK_DISPATCH(input, padded, pw, ch, tiles_y, tiles_x, v, xs); }

void ck_winograd_output(CK_OUTPUT_ARGS) { CK_DISPATCH(output, m, xs, ch, tiles_y, tiles_x, out); }

void ck_winograd_output_adjoint(CK_OUTPUT_ADJOINT_ARGS) {
    CK_DISPATCH(output_adjoint, dy, ch, tiles_y, tiles_x, dm, xs);
}

void ck_winograd_input_adjoint(CK_INPUT_ADJOINT_ARGS) {
    CK_DISPATCH(input_adjoint, dv, xs, ch, tiles_y, tiles_x, padded, pw);
}

/// G·(a, b, c): the 3 → 4 map of the kernel transform.
ALWAYS_INLINE void spread(float a, float b, float c, float out[4]) {
    out[0] = a;
    out[1] = 0.5f * (a + b + c);
    out[2] = 0.5f * (a - b + c);
    out[3] = c;
}

/// Gᵀ·u: the 4 → 3 map, the adjoint of `spread`.
ALWAYS_INLINE void gather(const float u[4], float out[3]) {
    out[0] = u[0] + 0.5f * (u[1] + u[2]);
    out[1] = 0.5f * (u[1] - u[2]);
    out[2] = 0.5f * (u[1] + u[2]) + u[3];
}

/// The 16 values G g Gᵀ of one 3×3 kernel, row-major.
ALWAYS_INLINE void kernel_tile(const float *g, float u[16]) {
    float columns[3][4];
    for (int j = 0; j < 3; j++) spread(g[j], g[3 + j], g[6 + j], columns[j]);
    for (int i = 0; i < 4; i++) spread(columns[0][i], columns[1][i], columns[2][i], u + 4 * i);
}

// Both kernel maps visit 16 output channels at a time through a small local
// block, so that the 16 planes of u, which can sit a multiple of 4 KiB apart
// and collide in the L1 sets, are read or written 64 bytes at a time.
#define CK_KERNEL_BLOCK 16

void ck_winograd_kernel(const float *w, ptrdiff_t cout, ptrdiff_t cin, float *u) {
    const ptrdiff_t plane = cout * cin;
    float block[16][CK_KERNEL_BLOCK], tile[16];
    for (ptrdiff_t c = 0; c < cin; c++)
        for (ptrdiff_t o0 = 0; o0 < cout; o0 += CK_KERNEL_BLOCK) {
            const ptrdiff_t count = cout - o0 < CK_KERNEL_BLOCK ? cout - o0 : CK_KERNEL_BLOCK;
            for (ptrdiff_t k = 0; k < count; k++) {
                kernel_tile(w + ((o0 + k) * cin + c) * 9, tile);
                for (int xi = 0; xi < 16; xi++) block[xi][k] = tile[xi];
            }
            for (int xi = 0; xi < 16; xi++)
                memcpy(u + xi * plane + c * cout + o0, block[xi], sizeof(float) * (size_t)count);
        }
}

void ck_winograd_kernel_adjoint(const float *du, ptrdiff_t cout, ptrdiff_t cin, float *dw) {
    const ptrdiff_t plane = cout * cin;
    float block[16][CK_KERNEL_BLOCK];
    for (ptrdiff_t c = 0; c < cin; c++)
        for (ptrdiff_t o0 = 0; o0 < cout; o0 += CK_KERNEL_BLOCK) {
            const ptrdiff_t count = cout - o0 < CK_KERNEL_BLOCK ? cout - o0 : CK_KERNEL_BLOCK;
            for (int xi = 0; xi < 16; xi++)
                memcpy(block[xi], du + xi * plane + c * cout + o0, sizeof(float) * (size_t)count);
            for (ptrdiff_t k = 0; k < count; k++) {
                float columns[4][3], row[4], out[3];
                for (int j = 0; j < 4; j++) {
                    float v[4];
                    for (int i = 0; i < 4; i++) v[i] = block[4 * i + j][k];
                    gather(v, columns[j]);
                }
                float *g = dw + ((o0 + k) * cin + c) * 9;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) row[j] = columns[j][i];
                    gather(row, out);
                    for (int j = 0; j < 3; j++) g[3 * i + j] = out[j];
                }
            }
        }
}
