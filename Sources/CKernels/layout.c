// NCHW ⇄ channels-last copies of one image (see CKLayout.h). The AVX-512
// versions move blocks of 16 channels × 16 pixels through a register transpose,
// the pixels running on across rows.
#include "CKernels.h"
#include <string.h>
#include "exp_avx512.h"
#include "transpose_avx512.h"
#include "vector_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Zeroes the padding of a channels-last buffer `[top + height + bottom][left + width + right][channels]`:
/// the top and bottom rows and the left and right pixels of the others.
static void zero_padding(float *destination, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                         ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right) {
    const ptrdiff_t row_floats = (width + left + right) * channels;
    memset(destination, 0, sizeof(float) * (size_t)(top * row_floats));
    memset(destination + (top + height) * row_floats, 0, sizeof(float) * (size_t)(bottom * row_floats));
    for (ptrdiff_t y = 0; y < height; y++) {
        float *row = destination + (top + y) * row_floats;
        memset(row, 0, sizeof(float) * (size_t)(left * channels));
        memset(row + (left + width) * channels, 0, sizeof(float) * (size_t)(right * channels));
    }
}

/// Copies the source pixel (y, x) to the `factor × factor` interior pixels
/// (factor·y + a, factor·x + b): factor 1 is a plain copy, 2 a nearest-neighbour
/// upsampling.
static void pad_generic(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, int factor,
                        ptrdiff_t top, ptrdiff_t left, ptrdiff_t right, float *destination) {
    const ptrdiff_t row_floats = (factor * width + left + right) * channels, plane = height * width;
    for (ptrdiff_t y = 0; y < factor * height; y++) {
        float *interior = destination + (top + y) * row_floats + left * channels;
        for (ptrdiff_t c = 0; c < channels; c++) {
            const float *line = source + c * plane + (y / factor) * width;
            for (ptrdiff_t x = 0; x < factor * width; x++) interior[x * channels + c] = line[x / factor];
        }
    }
}

/// `pad_generic` of the mapped image, each channel mapped in runs of up to
/// 64 pixels by the normalisation and SiLU kernels themselves (whose values
/// do not depend on how a channel is split into runs).
static void pad_normalized_silu_generic(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                        ptrdiff_t top, ptrdiff_t left, ptrdiff_t right, const float *shift,
                                        const float *mean, const float *scale, const float *offset,
                                        float *destination) {
    enum { RUN = 64 };
    float run[RUN];
    const ptrdiff_t row_pixels = width + left + right, plane = height * width;
    for (ptrdiff_t c = 0; c < channels; c++) {
        for (ptrdiff_t p0 = 0; p0 < plane; p0 += RUN) {
            const ptrdiff_t count = plane - p0 < RUN ? plane - p0 : RUN;
            ck_normalize(source + c * plane + p0, run, (size_t)count, shift[c], mean[c], scale[c], offset[c]);
            ck_silu(run, run, (size_t)count);
            ptrdiff_t y = p0 / width, x = p0 % width;
            for (ptrdiff_t i = 0; i < count; i++) {
                destination[((top + y) * row_pixels + left + x) * channels + c] = run[i];
                if (++x == width) { x = 0; y++; }
            }
        }
    }
}

static void unpack_generic(const float *rows, ptrdiff_t row_width, ptrdiff_t channels, ptrdiff_t height,
                           ptrdiff_t width, const float *bias, const float *addend, float *destination) {
    for (ptrdiff_t c = 0; c < channels; c++) {
        const float shift = bias ? bias[c] : 0.0f;
        float *plane = destination + c * height * width;
        const float *added = addend ? addend + c * height * width : NULL;
        for (ptrdiff_t y = 0; y < height; y++) {
            const float *line = rows + y * row_width * channels + c;
            float *target = plane + y * width;
            for (ptrdiff_t x = 0; x < width; x++) {
                const float value = line[x * channels] + shift;
                target[x] = added ? value + added[y * width + x] : value;
            }
        }
    }
}

#if defined(__x86_64__)
#define CK_AVX512 __attribute__((target("avx512f")))

/// The mask of the first `count` (≤ 16) lanes.
static inline CK_AVX512 __mmask16 first_lanes(ptrdiff_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

/// `pad_generic` in AVX-512, each channel c mapped on the way by silu(((x + shift[c]) −
/// mean[c])·scale[c] + offset[c]) when `scale` is not NULL, written as
/// ck_normalize and ck_silu write it (the same bits).
static inline CK_AVX512 __attribute__((always_inline))
void pad_mapped_avx512(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, int factor,
                       ptrdiff_t top, ptrdiff_t left, ptrdiff_t right, const float *shift, const float *mean,
                       const float *scale, const float *offset, float *destination) {
    const ptrdiff_t row_pixels = factor * width + left + right, plane = height * width;
    // Blocks of 16 channels × 16 consecutive pixels of the plane (across rows,
    // so that narrow images fill the block): planes in, pixels out.
    for (ptrdiff_t c0 = 0; c0 < channels; c0 += 16) {
        const ptrdiff_t nc = channels - c0 < 16 ? channels - c0 : 16;
        const __mmask16 channel_mask = first_lanes(nc);
        for (ptrdiff_t p0 = 0; p0 < plane; p0 += 16) {
            const ptrdiff_t np = plane - p0 < 16 ? plane - p0 : 16;
            const __mmask16 pixel_mask = first_lanes(np);
            __m512 r[16];
            for (int j = 0; j < 16; j++)
                r[j] = j < nc ? _mm512_maskz_loadu_ps(pixel_mask, source + (c0 + j) * plane + p0) : _mm512_setzero_ps();
            if (scale) {
                for (int j = 0; j < nc; j++) {
                    const ptrdiff_t c = c0 + j;
                    const vec normalized = (((vec)r[j] + shift[c]) - mean[c]) * scale[c] + offset[c];
                    r[j] = silu_avx512((__m512)normalized);
                }
            }
            ck_transpose_16x16(r);
            ptrdiff_t y = p0 / width, x = p0 % width;
            for (ptrdiff_t i = 0; i < np; i++) {
                for (int a = 0; a < factor; a++)
                    for (int b = 0; b < factor; b++)
                        _mm512_mask_storeu_ps(destination + ((top + factor * y + a) * row_pixels + left + factor * x + b)
                                                  * channels + c0,
                                              channel_mask, r[i]);
                if (++x == width) { x = 0; y++; }
            }
        }
    }
}

static CK_AVX512 void pad_avx512(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                 ptrdiff_t top, ptrdiff_t left, ptrdiff_t right, float *destination) {
    pad_mapped_avx512(source, channels, height, width, 1, top, left, right, NULL, NULL, NULL, NULL, destination);
}

static CK_AVX512 void pad_upsampled_avx512(const float *source, ptrdiff_t channels, ptrdiff_t height,
                                           ptrdiff_t width, ptrdiff_t top, ptrdiff_t left, ptrdiff_t right,
                                           float *destination) {
    pad_mapped_avx512(source, channels, height, width, 2, top, left, right, NULL, NULL, NULL, NULL, destination);
}

static CK_AVX512 void pad_normalized_silu_avx512(const float *source, ptrdiff_t channels, ptrdiff_t height,
                                                 ptrdiff_t width, ptrdiff_t top, ptrdiff_t left, ptrdiff_t right,
                                                 const float *shift, const float *mean, const float *scale,
                                                 const float *offset, float *destination) {
    pad_mapped_avx512(source, channels, height, width, 1, top, left, right, shift, mean, scale, offset, destination);
}

static CK_AVX512 void unpack_avx512(const float *rows, ptrdiff_t row_width, ptrdiff_t channels, ptrdiff_t height,
                                    ptrdiff_t width, const float *bias, const float *addend, float *destination) {
    const ptrdiff_t plane = height * width;
    // Blocks of 16 consecutive pixels of the plane (across rows) × 16 channels:
    // pixels in, planes out.
    for (ptrdiff_t c0 = 0; c0 < channels; c0 += 16) {
        const ptrdiff_t nc = channels - c0 < 16 ? channels - c0 : 16;
        const __mmask16 channel_mask = first_lanes(nc);
        for (ptrdiff_t p0 = 0; p0 < plane; p0 += 16) {
            const ptrdiff_t np = plane - p0 < 16 ? plane - p0 : 16;
            const __mmask16 pixel_mask = first_lanes(np);
            __m512 r[16];
            ptrdiff_t y = p0 / width, x = p0 % width;
            for (int i = 0; i < 16; i++) {
                if (i < np) {
                    r[i] = _mm512_maskz_loadu_ps(channel_mask, rows + (y * row_width + x) * channels + c0);
                    if (++x == width) { x = 0; y++; }
                } else {
                    r[i] = _mm512_setzero_ps();
                }
            }
            ck_transpose_16x16(r);
            for (ptrdiff_t j = 0; j < nc; j++) {
                const ptrdiff_t offset = (c0 + j) * plane + p0;
                __m512 v = bias ? _mm512_add_ps(r[j], _mm512_set1_ps(bias[c0 + j])) : r[j];
                if (addend) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(pixel_mask, addend + offset));
                _mm512_mask_storeu_ps(destination + offset, pixel_mask, v);
            }
        }
    }
}
#endif

/// The copy of ck_pad_channels_last (factor 1) and ck_pad_channels_last_upsampled (factor 2).
static void pad_scaled(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, int factor,
                       ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right, float *destination) {
    zero_padding(destination, channels, factor * height, factor * width, top, bottom, left, right);
#if defined(__x86_64__)
    if (ck_current_isa() == CK_ISA_AVX512) {
        if (factor == 2) pad_upsampled_avx512(source, channels, height, width, top, left, right, destination);
        else pad_avx512(source, channels, height, width, top, left, right, destination);
        return;
    }
#endif
    pad_generic(source, channels, height, width, factor, top, left, right, destination);
}

void ck_pad_channels_last(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                          ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right, float *destination) {
    pad_scaled(source, channels, height, width, 1, top, bottom, left, right, destination);
}

void ck_pad_channels_last_upsampled(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                    ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right,
                                    float *destination) {
    pad_scaled(source, channels, height, width, 2, top, bottom, left, right, destination);
}

void ck_pad_channels_last_normalized_silu(const float *source, ptrdiff_t channels, ptrdiff_t height,
                                          ptrdiff_t width, ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left,
                                          ptrdiff_t right, const float *shift, const float *mean,
                                          const float *scale, const float *offset, float *destination) {
    zero_padding(destination, channels, height, width, top, bottom, left, right);
#if defined(__x86_64__)
    if (ck_current_isa() == CK_ISA_AVX512) {
        pad_normalized_silu_avx512(source, channels, height, width, top, left, right, shift, mean, scale, offset,
                                   destination);
        return;
    }
#endif
    pad_normalized_silu_generic(source, channels, height, width, top, left, right, shift, mean, scale, offset,
                                destination);
}

void ck_unpack_channels_last(const float *rows, ptrdiff_t row_width, ptrdiff_t channels, ptrdiff_t height,
                             ptrdiff_t width, const float *bias, const float *addend, float *destination) {
#if defined(__x86_64__)
    if (ck_current_isa() == CK_ISA_AVX512) {
        unpack_avx512(rows, row_width, channels, height, width, bias, addend, destination);
        return;
    }
#endif
    unpack_generic(rows, row_width, channels, height, width, bias, addend, destination);
}
