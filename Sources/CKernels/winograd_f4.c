// Winograd F(4×4, 3×3) tile transforms (see CKWinograd.h): 6×6 input tiles,
// 4×4 output tiles, interpolation points 0, ±1, ±2 and ∞. The 1-D maps are
// here; winograd_tile_bodies.h applies them to whole tiles and
// winograd_dispatch.h compiles the transforms for AVX-512, AVX2 and portable C.
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

#define CK_TILE_M 4
#define CK_TILE_ALPHA 6
#include "winograd_tile_bodies.h"

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
