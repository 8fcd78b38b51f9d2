#ifndef CKLAYOUT_H
#define CKLAYOUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Conversions of one image between NCHW planes and channels-last rows, the
// staging of the convolution kernels (AVX-512 gathers where dispatched, else
// portable C).

/// Copies an NCHW image `[channels][height][width]` into the channels-last
/// buffer `[height + top + bottom][width + left + right][channels]`, zero outside.
void ck_pad_channels_last(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                          ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right, float *destination);

/// `ck_pad_channels_last` of the image upsampled 2× by nearest neighbour
/// (each pixel a 2×2 block): the buffer is
/// `[2·height + top + bottom][2·width + left + right][channels]`.
void ck_pad_channels_last_upsampled(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                    ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right,
                                    float *destination);

/// `ck_pad_channels_last` of the image whose channel c is
/// `silu(((x + shift[c]) − mean[c]) · scale[c] + offset[c])`, the values
/// `ck_normalize` then `ck_silu` give (group normalisation with its shift,
/// then SiLU, applied on the way into a convolution).
void ck_pad_channels_last_normalized_silu(const float *source, ptrdiff_t channels, ptrdiff_t height,
                                          ptrdiff_t width, ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left,
                                          ptrdiff_t right, const float *shift, const float *mean,
                                          const float *scale, const float *offset, float *destination);

/// Copies the pixels `y < height`, `x < width` of channels-last rows
/// `[y·row_width + x][channels]` into NCHW `[channels][height][width]`, adding
/// `bias[c]` to channel c when `bias` is not NULL, then the same element of
/// `addend` (NCHW like `destination`) when `addend` is not NULL.
void ck_unpack_channels_last(const float *rows, ptrdiff_t row_width, ptrdiff_t channels, ptrdiff_t height,
                             ptrdiff_t width, const float *bias, const float *addend, float *destination);

#ifdef __cplusplus
}
#endif

#endif
