// The four tile transforms of a Winograd F(m×m, 3×3) written once over 16
// channels at a time in a `vec` (the compiler does not vectorise α²-value
// tiles on its own). A transform file defines CK_TILE_M (m) and CK_TILE_ALPHA
// (α = m + 2) and its 1-D maps `input_map` (Bᵀ), `input_adjoint_map` (B),
// `output_map` (Aᵀ) and `output_adjoint_map` (A), then includes this file:
// each 2-D transform applies its map to the columns and then to the rows of a
// tile.
#ifndef CK_TILE_M
#error "define CK_TILE_M and CK_TILE_ALPHA before including winograd_tile_bodies.h"
#endif

ALWAYS_INLINE void input_body(const float *restrict padded, ptrdiff_t pw, ptrdiff_t ch,
                              ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict v, ptrdiff_t xs) {
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict d = padded + (CK_TILE_M * ty * pw + CK_TILE_M * tx) * ch;
            float *restrict o = v + (ty * tiles_x + tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[CK_TILE_ALPHA][CK_TILE_ALPHA];
                for (int j = 0; j < CK_TILE_ALPHA; j++) {
                    vec column[CK_TILE_ALPHA], r[CK_TILE_ALPHA];
                    for (int i = 0; i < CK_TILE_ALPHA; i++) column[i] = load(d + (i * pw + j) * ch + c, n);
                    input_map(column, r);
                    for (int i = 0; i < CK_TILE_ALPHA; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < CK_TILE_ALPHA; i++) {
                    vec r[CK_TILE_ALPHA];
                    input_map(t[i], r);
                    for (int j = 0; j < CK_TILE_ALPHA; j++) store(o + (CK_TILE_ALPHA * i + j) * xs + c, r[j], n);
                }
            }
        }
    }
}

ALWAYS_INLINE void output_body(const float *restrict m, ptrdiff_t xs, ptrdiff_t ch,
                               ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict out) {
    const ptrdiff_t ow = CK_TILE_M * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict s = m + (ty * tiles_x + tx) * ch;
            float *restrict y = out + (CK_TILE_M * ty * ow + CK_TILE_M * tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[CK_TILE_M][CK_TILE_ALPHA];
                for (int j = 0; j < CK_TILE_ALPHA; j++) {
                    vec column[CK_TILE_ALPHA], r[CK_TILE_M];
                    for (int i = 0; i < CK_TILE_ALPHA; i++) column[i] = load(s + (CK_TILE_ALPHA * i + j) * xs + c, n);
                    output_map(column, r);
                    for (int i = 0; i < CK_TILE_M; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < CK_TILE_M; i++) {
                    vec r[CK_TILE_M];
                    output_map(t[i], r);
                    for (int j = 0; j < CK_TILE_M; j++) store(y + (i * ow + j) * ch + c, r[j], n);
                }
            }
        }
    }
}

ALWAYS_INLINE void output_adjoint_body(const float *restrict dy, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x,
                                       float *restrict dm, ptrdiff_t xs) {
    const ptrdiff_t ow = CK_TILE_M * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++) {
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++) {
            const float *restrict y = dy + (CK_TILE_M * ty * ow + CK_TILE_M * tx) * ch;
            float *restrict o = dm + (ty * tiles_x + tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[CK_TILE_ALPHA][CK_TILE_M];
                for (int j = 0; j < CK_TILE_M; j++) {
                    vec column[CK_TILE_M], r[CK_TILE_ALPHA];
                    for (int i = 0; i < CK_TILE_M; i++) column[i] = load(y + (i * ow + j) * ch + c, n);
                    output_adjoint_map(column, r);
                    for (int i = 0; i < CK_TILE_ALPHA; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < CK_TILE_ALPHA; i++) {
                    vec r[CK_TILE_ALPHA];
                    output_adjoint_map(t[i], r);
                    for (int j = 0; j < CK_TILE_ALPHA; j++) store(o + (CK_TILE_ALPHA * i + j) * xs + c, r[j], n);
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
            float *restrict d = padded + (CK_TILE_M * ty * pw + CK_TILE_M * tx) * ch;
            for (ptrdiff_t c = 0; c < ch; c += LANES) {
                const ptrdiff_t n = ch - c < LANES ? ch - c : LANES;
                vec t[CK_TILE_ALPHA][CK_TILE_ALPHA];
                for (int j = 0; j < CK_TILE_ALPHA; j++) {
                    vec column[CK_TILE_ALPHA], r[CK_TILE_ALPHA];
                    for (int i = 0; i < CK_TILE_ALPHA; i++) column[i] = load(s + (CK_TILE_ALPHA * i + j) * xs + c, n);
                    input_adjoint_map(column, r);
                    for (int i = 0; i < CK_TILE_ALPHA; i++) t[i][j] = r[i];
                }
                for (int i = 0; i < CK_TILE_ALPHA; i++) {
                    vec r[CK_TILE_ALPHA];
                    input_adjoint_map(t[i], r);
                    for (int j = 0; j < CK_TILE_ALPHA; j++) {
                        float *target = d + (i * pw + j) * ch + c;
                        store(target, load(target, n) + r[j], n);
                    }
                }
            }
        }
    }
}
