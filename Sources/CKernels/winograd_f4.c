// Winograd F(4×4, 3×3) tile transforms (see CKWinograd.h): 6×6 input tiles,
// 4×4 output tiles, interpolation points 0, ±1, ±2 and ∞. Each 2-D transform
// is a 1-D map applied to the columns and then to the rows of a tile, 16
// channels at a time in a `vec` (the compiler does not vectorise 36-value
// tiles on its own); winograd_dispatch.h compiles them for AVX-512, AVX2 and
// portable C.
#include "winograd_dispatch.h"

/// Bᵀ·d: the 6 → 6 map of the input transform.
ALWAYS_INLINE void input_map(const vec d[6], vec r[6]) {
    r[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    r[1] = (d[3] + d[4]) - 4.0f * (d[1] + d[2]);
    r[2] = 4.0f * (d[1] - d[2]) + (d[4] - d[3]);
    r[3] = 2.0f * (d[3] - d[1]) + (d[4] - d[2]);
    r[4] = 2.0f * (d[1] - d[3]) + (d[4] - d[2]);
    r[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

/// B·r: the adjoint of `input_map`.
ALWAYS_INLINE void input_adjoint_map(const vec r[6], vec d[6]) {
    d[0] = 4.0f * r[0];
    d[1] = 4.0f * (r[2] - r[1] + r[5]) + 2.0f * (r[4] - r[3]);
    d[2] = -5.0f * r[0] - 4.0f * (r[1] + r[2]) - (r[3] + r[4]);
    d[3] = (r[1] - r[2]) + 2.0f * (r[3] - r[4]) - 5.0f * r[5];
    d[4] = r[0] + r[1] + r[2] + r[3] + r[4];
    d[5] = r[5];
}

/// Aᵀ·m: the 6 → 4 map of the output transform.
ALWAYS_INLINE void output_map(const vec m[6], vec y[4]) {
    const vec a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], e = m[3] - m[4];
    y[0] = m[0] + a + c;
    y[1] = b + 2.0f * e;
    y[2] = a + 4.0f * c;
    y[3] = b + 8.0f * e + m[5];
}

/// A·y: the adjoint of `output_map`.
ALWAYS_INLINE void output_adjoint_map(const vec y[4], vec m[6]) {
    const vec p = y[0] + y[2], q = y[1] + y[3];
    const vec p4 = y[0] + 4.0f * y[2], q8 = 2.0f * y[1] + 8.0f * y[3];
    m[0] = y[0];
    m[1] = p + q;
    m[2] = p - q;
    m[3] = p4 + q8;
    m[4] = p4 - q8;
    m[5] = y[3];
}

ALWAYS_INLINE void input_body(const float *restrict padded, ptrdiff_t pw, ptrdiff_t ch,
                              ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict v, ptrdiff_t xs) {
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict d = padded + (4 * ty * pw + 4 * tx) * ch;
            float *restrict o = v + (ty * tiles_x + tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[6][6];
                for (int j = 0; j < 6; j++) {
                    vec column[6], r[6];
                    for (int i = 0; i < 6; i++) column[i] = load(d + (i * pw + j) * ch + c, n);
                    input_map(column, r);
                    for (int i = 0; i < 6; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < 6; i++) {
                    vec r[6];
                    input_map(t[i], r);
                    for (int j = 0; j < 6; j++) store(o + (6 * i + j) * xs + c, r[j], n);
                }
            }
        }
    }
}

ALWAYS_INLINE void output_body(const float *restrict m, ptrdiff_t xs, ptrdiff_t ch,
                               ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict out) {
    const ptrdiff_t ow = 4 * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict s = m + (ty * tiles_x + tx) * ch;
            float *restrict y = out + (4 * ty * ow + 4 * tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[4][6];
                for (int j = 0; j < 6; j++) {
                    vec column[6], r[4];
                    for (int i = 0; i < 6; i++) column[i] = load(s + (6 * i + j) * xs + c, n);
                    output_map(column, r);
                    for (int i = 0; i < 4; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < 4; i++) {
                    vec r[4];
                    output_map(t[i], r);
                    for (int j = 0; j < 4; j++) store(y + (i * ow + j) * ch + c, r[j], n);
                }
            }
        }
    }
}

ALWAYS_INLINE void output_adjoint_body(const float *restrict dy, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x,
                                       float *restrict dm, ptrdiff_t xs) {
    const ptrdiff_t ow = 4 * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict y = dy + (4 * ty * ow + 4 * tx) * ch;
            float *restrict o = dm + (ty * tiles_x + tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[6][4];
                for (int j = 0; j < 4; j++) {
                    vec column[4], r[6];
                    for (int i = 0; i < 4; i++) column[i] = load(y + (i * ow + j) * ch + c, n);
                    output_adjoint_map(column, r);
                    for (int i = 0; i < 6; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < 6; i++) {
                    vec r[6];
                    output_adjoint_map(t[i], r);
                    for (int j = 0; j < 6; j++) store(o + (6 * i + j) * xs + c, r[j], n);
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
            float *restrict d = padded + (4 * ty * pw + 4 * tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[6][6];
                for (int j = 0; j < 6; j++) {
                    vec column[6], r[6];
                    for (int i = 0; i < 6; i++) column[i] = load(s + (6 * i + j) * xs + c, n);
                    input_adjoint_map(column, r);
                    for (int i = 0; i < 6; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < 6; i++) {
                    vec r[6];
                    input_adjoint_map(t[i], r);
                    for (int j = 0; j < 6; j++) {
                        float *target = d + (i * pw + j) * ch + c;
                        store(target, load(target, n) + r[j], n);
                    }
                }
            }
        }
    }
}

/// G·(a, b, c): the 3 → 6 map of the kernel transform.
ALWAYS_INLINE void spread(vec a, vec b, vec c, vec out[6]) {
    const vec even = a + c, odd = b;
    out[0] = 0.25f * a;
    out[1] = -(even + odd) * (1.0f / 6.0f);
    out[2] = -(even - odd) * (1.0f / 6.0f);
    out[3] = (1.0f / 24.0f) * a + (1.0f / 12.0f) * b + (1.0f / 6.0f) * c;
    out[4] = (1.0f / 24.0f) * a - (1.0f / 12.0f) * b + (1.0f / 6.0f) * c;
    out[5] = c;
}

/// Gᵀ·u: the 6 → 3 map, the adjoint of `spread`.
ALWAYS_INLINE void gather(const vec u[6], vec out[3]) {
    const vec sum12 = u[1] + u[2], sum34 = u[3] + u[4];
    out[0] = 0.25f * u[0] - (1.0f / 6.0f) * sum12 + (1.0f / 24.0f) * sum34;
    out[1] = (1.0f / 6.0f) * (u[2] - u[1]) + (1.0f / 12.0f) * (u[3] - u[4]);
    out[2] = (1.0f / 6.0f) * (sum34 - sum12) + u[5];
}

CK_WINOGRAD_TRANSFORMS(ck_winograd4, 6)
