// Winograd F(5×5, 3×3) tile transforms (see CKWinograd.h): 7×7 input tiles,
// 5×5 output tiles, interpolation points 0, ±1, ±2, ½ and ∞ (the matrices of
// tools/winograd_f5.py, checked there in exact arithmetic). It takes 14×14
// maps, which F(4×4) covers with 16×16 of output. The 1-D maps are here;
// winograd_tile_bodies.h applies them to whole tiles and winograd_dispatch.h
// compiles the transforms for AVX-512, AVX2 and portable C.
#include "winograd_dispatch.h"

/// Bᵀ·d: the 7 → 7 map of the input transform.
ALWAYS_INLINE void input_map(const vec d[7], vec r[7]) {
    r[0] = -4.0f * d[0] + 8.0f * d[1] + 5.0f * d[2] - 10.0f * d[3] - d[4] + 2.0f * d[5];
    r[1] = 4.0f * d[1] - 4.0f * d[2] - 9.0f * d[3] + d[4] + 2.0f * d[5];
    r[2] = -4.0f * d[1] + 12.0f * d[2] - 7.0f * d[3] - 3.0f * d[4] + 2.0f * d[5];
    r[3] = 2.0f * d[1] - 3.0f * d[2] - 4.0f * d[3] + 3.0f * d[4] + 2.0f * d[5];
    r[4] = -2.0f * d[1] + 5.0f * d[2] - 5.0f * d[4] + 2.0f * d[5];
    r[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
    r[6] = -4.0f * d[1] + 8.0f * d[2] + 5.0f * d[3] - 10.0f * d[4] - d[5] + 2.0f * d[6];
}

/// B·r: the adjoint of `input_map`.
ALWAYS_INLINE void input_adjoint_map(const vec r[7], vec d[7]) {
    d[0] = -4.0f * r[0];
    d[1] = 8.0f * r[0] + 4.0f * r[1] - 4.0f * r[2] + 2.0f * r[3] - 2.0f * r[4] + 4.0f * r[5] - 4.0f * r[6];
    d[2] = 5.0f * r[0] - 4.0f * r[1] + 12.0f * r[2] - 3.0f * r[3] + 5.0f * r[4] + 8.0f * r[6];
    d[3] = -10.0f * r[0] - 9.0f * r[1] - 7.0f * r[2] - 4.0f * r[3] - 5.0f * r[5] + 5.0f * r[6];
    d[4] = -r[0] + r[1] - 3.0f * r[2] + 3.0f * r[3] - 5.0f * r[4] - 10.0f * r[6];
    d[5] = 2.0f * r[0] + 2.0f * r[1] + 2.0f * r[2] + 2.0f * r[3] + 2.0f * r[4] + r[5] - r[6];
    d[6] = 2.0f * r[6];
}

/// Aᵀ·m: the 7 → 5 map of the output transform.
ALWAYS_INLINE void output_map(const vec m[7], vec y[5]) {
    y[0] = m[0] + m[1] + m[2] + m[3] + m[4] + m[5];
    y[1] = m[1] - m[2] + 2.0f * m[3] - 2.0f * m[4] + (1.0f / 2.0f) * m[5];
    y[2] = m[1] + m[2] + 4.0f * m[3] + 4.0f * m[4] + (1.0f / 4.0f) * m[5];
    y[3] = m[1] - m[2] + 8.0f * m[3] - 8.0f * m[4] + (1.0f / 8.0f) * m[5];
    y[4] = m[1] + m[2] + 16.0f * m[3] + 16.0f * m[4] + (1.0f / 16.0f) * m[5] + m[6];
}

/// A·y: the adjoint of `output_map`.
ALWAYS_INLINE void output_adjoint_map(const vec y[5], vec m[7]) {
    m[0] = y[0];
    m[1] = y[0] + y[1] + y[2] + y[3] + y[4];
    m[2] = y[0] - y[1] + y[2] - y[3] + y[4];
    m[3] = y[0] + 2.0f * y[1] + 4.0f * y[2] + 8.0f * y[3] + 16.0f * y[4];
    m[4] = y[0] - 2.0f * y[1] + 4.0f * y[2] - 8.0f * y[3] + 16.0f * y[4];
    m[5] = y[0] + (1.0f / 2.0f) * y[1] + (1.0f / 4.0f) * y[2] + (1.0f / 8.0f) * y[3] + (1.0f / 16.0f) * y[4];
    m[6] = y[4];
}

#define CK_TILE_M 5
#define CK_TILE_ALPHA 7
#include "winograd_tile_bodies.h"

/// G·(a, b, c): the 3 → 7 map of the kernel transform.
ALWAYS_INLINE void spread(vec a, vec b, vec c, vec out[7]) {
    out[0] = -(1.0f / 4.0f) * a;
    out[1] = -(1.0f / 6.0f) * a - (1.0f / 6.0f) * b - (1.0f / 6.0f) * c;
    out[2] = (1.0f / 18.0f) * a - (1.0f / 18.0f) * b + (1.0f / 18.0f) * c;
    out[3] = (1.0f / 72.0f) * a + (1.0f / 36.0f) * b + (1.0f / 18.0f) * c;
    out[4] = -(1.0f / 120.0f) * a + (1.0f / 60.0f) * b - (1.0f / 30.0f) * c;
    out[5] = (32.0f / 45.0f) * a + (16.0f / 45.0f) * b + (8.0f / 45.0f) * c;
    out[6] = (1.0f / 2.0f) * c;
}

/// Gᵀ·u: the 7 → 3 map, the adjoint of `spread`.
ALWAYS_INLINE void gather(const vec u[7], vec out[3]) {
    out[0] = -(1.0f / 4.0f) * u[0] - (1.0f / 6.0f) * u[1] + (1.0f / 18.0f) * u[2] + (1.0f / 72.0f) * u[3]
             - (1.0f / 120.0f) * u[4] + (32.0f / 45.0f) * u[5];
    out[1] = -(1.0f / 6.0f) * u[1] - (1.0f / 18.0f) * u[2] + (1.0f / 36.0f) * u[3] + (1.0f / 60.0f) * u[4]
             + (16.0f / 45.0f) * u[5];
    out[2] = -(1.0f / 6.0f) * u[1] + (1.0f / 18.0f) * u[2] + (1.0f / 18.0f) * u[3] - (1.0f / 30.0f) * u[4]
             + (8.0f / 45.0f) * u[5] + (1.0f / 2.0f) * u[6];
}

CK_WINOGRAD_TRANSFORMS(ck_winograd5, 7)
