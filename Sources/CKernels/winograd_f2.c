// Winograd F(2×2, 3×3) tile transforms (see CKWinograd.h). Each transform is
// written once, as loops over channels that the compiler vectorises, and
// instantiated for AVX-512, AVX2 and portable C by winograd_dispatch.h.
#include "winograd_dispatch.h"

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

/// G·(a, b, c): the 3 → 4 map of the kernel transform.
ALWAYS_INLINE void spread(vec a, vec b, vec c, vec out[4]) {
    out[0] = a;
    out[1] = 0.5f * (a + b + c);
    out[2] = 0.5f * (a - b + c);
    out[3] = c;
}

/// Gᵀ·u: the 4 → 3 map, the adjoint of `spread`.
ALWAYS_INLINE void gather(const vec u[4], vec out[3]) {
    out[0] = u[0] + 0.5f * (u[1] + u[2]);
    out[1] = 0.5f * (u[1] - u[2]);
    out[2] = 0.5f * (u[1] + u[2]) + u[3];
}

CK_WINOGRAD_TRANSFORMS(ck_winograd2, 4)
