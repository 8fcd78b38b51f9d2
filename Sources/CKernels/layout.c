// NCHW ⇄ channels-last copies of one image (see CKLayout.h). The AVX-512
// versions move 16 values per gather: 16 channels of one pixel when padding,
// 16 pixels of one channel when unpacking.
#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static void pad_generic(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                        ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right, float *destination) {
    const ptrdiff_t row_floats = (width + left + right) * channels, plane = height * width;
    memset(destination, 0, sizeof(float) * (size_t)(top * row_floats));
    memset(destination + (top + height) * row_floats, 0, sizeof(float) * (size_t)(bottom * row_floats));
    for (ptrdiff_t y = 0; y < height; y++) {
        float *row = destination + (top + y) * row_floats;
        memset(row, 0, sizeof(float) * (size_t)(left * channels));
        memset(row + (left + width) * channels, 0, sizeof(float) * (size_t)(right * channels));
        float *interior = row + left * channels;
        for (ptrdiff_t c = 0; c < channels; c++) {
            const float *line = source + c * plane + y * width;
            for (ptrdiff_t x = 0; x < width; x++) interior[x * channels + c] = line[x];
        }
    }
}

static void unpack_generic(const float *rows, ptrdiff_t row_width, ptrdiff_t channels, ptrdiff_t height,
                           ptrdiff_t width, const float *bias, float *destination) {
    for (ptrdiff_t c = 0; c < channels; c++) {
        const float shift = bias ? bias[c] : 0.0f;
        float *plane = destination + c * height * width;
        for (ptrdiff_t y = 0; y < height; y++) {
            const float *line = rows + y * row_width * channels + c;
            float *target = plane + y * width;
            for (ptrdiff_t x = 0; x < width; x++) target[x] = line[x * channels] + shift;
        }
    }
}

#if defined(__x86_64__)
#define CK_AVX512 __attribute__((target("avx512f")))

static CK_AVX512 void pad_avx512(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                                 ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right, float *destination) {
    const ptrdiff_t row_floats = (width + left + right) * channels, plane = height * width;
    memset(destination, 0, sizeof(float) * (size_t)(top * row_floats));
    memset(destination + (top + height) * row_floats, 0, sizeof(float) * (size_t)(bottom * row_floats));
    const __m512i lanes = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32((int)plane));
    for (ptrdiff_t y = 0; y < height; y++) {
        float *row = destination + (top + y) * row_floats;
        memset(row, 0, sizeof(float) * (size_t)(left * channels));
        memset(row + (left + width) * channels, 0, sizeof(float) * (size_t)(right * channels));
        float *interior = row + left * channels;
        for (ptrdiff_t c = 0; c < channels; c += 16) {
            const __mmask16 m = channels - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (channels - c)) - 1);
            const float *line = source + c * plane + y * width;
            for (ptrdiff_t x = 0; x < width; x++) {
                const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, lanes, line + x, 4);
                _mm512_mask_storeu_ps(interior + x * channels + c, m, v);
            }
        }
    }
}

static CK_AVX512 void unpack_avx512(const float *rows, ptrdiff_t row_width, ptrdiff_t channels, ptrdiff_t height,
                                    ptrdiff_t width, const float *bias, float *destination) {
    const __m512i lanes = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32((int)channels));
    for (ptrdiff_t c = 0; c < channels; c++) {
        const __m512 shift = _mm512_set1_ps(bias ? bias[c] : 0.0f);
        float *plane = destination + c * height * width;
        for (ptrdiff_t y = 0; y < height; y++) {
            const float *line = rows + y * row_width * channels + c;
            float *target = plane + y * width;
            for (ptrdiff_t x = 0; x < width; x += 16) {
                const __mmask16 m = width - x >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (width - x)) - 1);
                const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, lanes, line + x * channels, 4);
                _mm512_mask_storeu_ps(target + x, m, _mm512_add_ps(v, shift));
            }
        }
    }
}
#endif

void ck_pad_channels_last(const float *source, ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width,
                          ptrdiff_t top, ptrdiff_t bottom, ptrdiff_t left, ptrdiff_t right, float *destination) {
#if defined(__x86_64__)
    // The gather's 32-bit offsets reach 16 planes ahead.
    if (ck_current_isa() == CK_ISA_AVX512 && 16 * height * width < ((ptrdiff_t)1 << 31)) {
        pad_avx512(source, channels, height, width, top, bottom, left, right, destination);
        return;
    }
#endif
    pad_generic(source, channels, height, width, top, bottom, left, right, destination);
}

void ck_unpack_channels_last(const float *rows, ptrdiff_t row_width, ptrdiff_t channels, ptrdiff_t height,
                             ptrdiff_t width, const float *bias, float *destination) {
#if defined(__x86_64__)
    if (ck_current_isa() == CK_ISA_AVX512 && 16 * channels < ((ptrdiff_t)1 << 31)) {
        unpack_avx512(rows, row_width, channels, height, width, bias, destination);
        return;
    }
#endif
    unpack_generic(rows, row_width, channels, height, width, bias, destination);
}
