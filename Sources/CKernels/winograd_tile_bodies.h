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

/// A 1-D map of the transforms: `input_map`, `input_adjoint_map`,
/// `output_map` or `output_adjoint_map` (inlined where it is passed).
typedef void (*tile_map)(const vec *values, vec *mapped);

/// Applies `map` (size → α values) to the columns and then to the rows of the
/// size × size block of a channels-last image at `block` (rows `row` floats
/// apart, pixels `ch` apart, the n ≤ LANES channels from there) and stores
/// the α² results in the ξ planes at `planes`, `xs` floats apart.
ALWAYS_INLINE void block_to_planes(const float *restrict block, ptrdiff_t row, ptrdiff_t ch, int size, tile_map map,
                                   float *restrict planes, ptrdiff_t xs, ptrdiff_t n) {
    vec t[CK_TILE_ALPHA][CK_TILE_ALPHA];
    for (int j = 0; j < size; j++) {
        vec column[CK_TILE_ALPHA], r[CK_TILE_ALPHA];
        for (int i = 0; i < size; i++) column[i] = load(block + i * row + j * ch, n);
        map(column, r);
        for (int i = 0; i < CK_TILE_ALPHA; i++) t[i][j] = r[i];
    }
    for (int i = 0; i < CK_TILE_ALPHA; i++) {
        vec r[CK_TILE_ALPHA];
        map(t[i], r);
        for (int j = 0; j < CK_TILE_ALPHA; j++) store(planes + (CK_TILE_ALPHA * i + j) * xs, r[j], n);
    }
}

/// The reverse of `block_to_planes`: applies `map` (α → size values) to the
/// columns and then to the rows of the α × α values in the ξ planes at
/// `planes` and writes the size × size block at `block`, or adds it there
/// when `accumulate`.
ALWAYS_INLINE void planes_to_block(const float *restrict planes, ptrdiff_t xs, int size, tile_map map,
                                   float *restrict block, ptrdiff_t row, ptrdiff_t ch, ptrdiff_t n, int accumulate) {
    vec t[CK_TILE_ALPHA][CK_TILE_ALPHA];
    for (int j = 0; j < CK_TILE_ALPHA; j++) {
        vec column[CK_TILE_ALPHA], r[CK_TILE_ALPHA];
        for (int i = 0; i < CK_TILE_ALPHA; i++) column[i] = load(planes + (CK_TILE_ALPHA * i + j) * xs, n);
        map(column, r);
        for (int i = 0; i < size; i++) t[i][j] = r[i];
    }
    for (int i = 0; i < size; i++) {
        vec r[CK_TILE_ALPHA];
        map(t[i], r);
        for (int j = 0; j < size; j++) {
            float *target = block + i * row + j * ch;
            store(target, accumulate ? load(target, n) + r[j] : r[j], n);
        }
    }
}

ALWAYS_INLINE void input_body(const float *restrict padded, ptrdiff_t pw, ptrdiff_t ch,
                              ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict v, ptrdiff_t xs) {
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++)
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++)
            for (ptrdiff_t c = 0; c < ch; c += LANES)
                block_to_planes(padded + (CK_TILE_M * ty * pw + CK_TILE_M * tx) * ch + c, pw * ch, ch, CK_TILE_ALPHA,
                                input_map, v + (ty * tiles_x + tx) * ch + c, xs, ch - c < LANES ? ch - c : LANES);
}

ALWAYS_INLINE void output_body(const float *restrict m, ptrdiff_t xs, ptrdiff_t ch,
                               ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict out) {
    const ptrdiff_t ow = CK_TILE_M * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++)
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++)
            for (ptrdiff_t c = 0; c < ch; c += LANES)
                planes_to_block(m + (ty * tiles_x + tx) * ch + c, xs, CK_TILE_M, output_map,
                                out + (CK_TILE_M * ty * ow + CK_TILE_M * tx) * ch + c, ow * ch, ch,
                                ch - c < LANES ? ch - c : LANES, 0);
}

ALWAYS_INLINE void output_adjoint_body(const float *restrict dy, ptrdiff_t ch, ptrdiff_t tiles_y, ptrdiff_t tiles_x,
                                       float *restrict dm, ptrdiff_t xs) {
    const ptrdiff_t ow = CK_TILE_M * tiles_x;
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++)
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++)
            for (ptrdiff_t c = 0; c < ch; c += LANES)
                block_to_planes(dy + (CK_TILE_M * ty * ow + CK_TILE_M * tx) * ch + c, ow * ch, ch, CK_TILE_M,
                                output_adjoint_map, dm + (ty * tiles_x + tx) * ch + c, xs,
                                ch - c < LANES ? ch - c : LANES);
}

ALWAYS_INLINE void input_adjoint_body(const float *restrict dv, ptrdiff_t xs, ptrdiff_t ch,
                                      ptrdiff_t tiles_y, ptrdiff_t tiles_x, float *restrict padded, ptrdiff_t pw) {
    for (ptrdiff_t ty = 0; ty < tiles_y; ty++)
        for (ptrdiff_t tx = 0; tx < tiles_x; tx++)
            for (ptrdiff_t c = 0; c < ch; c += LANES)
                planes_to_block(dv + (ty * tiles_x + tx) * ch + c, xs, CK_TILE_ALPHA, input_adjoint_map,
                                padded + (CK_TILE_M * ty * pw + CK_TILE_M * tx) * ch + c, pw * ch, ch,
                                ch - c < LANES ? ch - c : LANES, 1);
}
