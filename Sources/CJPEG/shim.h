// The system libjpeg-turbo (Debian libjpeg62-turbo-dev), used by Datasets' JPEG
// reader when the package trait JPEG is on. libjpeg reports fatal errors by
// calling error_exit, which must not return: ddpm_jpeg_decode catches them with
// setjmp/longjmp here, in C, and hands Swift a message instead.
#ifndef CJPEG_SHIM_H
#define CJPEG_SHIM_H
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/// A decoded image (8-bit samples, 1 or 3 channels, rows top to bottom) or the reason there is none.
typedef struct {
    unsigned char *pixels;  // free with ddpm_jpeg_free
    int width;
    int height;
    int channels;
    int orientation;        // EXIF orientation 1...8 (1 when absent or unreadable)
    int progressive;
    char message[JMSG_LENGTH_MAX + 64];
} ddpm_jpeg_image;

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
    int truncated;
} ddpm_jpeg_error;

typedef struct {
    struct jpeg_progress_mgr manager;
    ddpm_jpeg_error *error;
    int maximum_scans;
} ddpm_jpeg_progress;

static inline void ddpm_jpeg_error_exit(j_common_ptr cinfo) {
    ddpm_jpeg_error *error = (ddpm_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, error->message);
    longjmp(error->jump, 1);
}

// Warnings are not printed; a premature end of data (a truncated file, which
// libjpeg would pad with grey) is remembered and refused after decoding.
static inline void ddpm_jpeg_emit_message(j_common_ptr cinfo, int level) {
    ddpm_jpeg_error *error = (ddpm_jpeg_error *)cinfo->err;
    if (level < 0) {
        cinfo->err->num_warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF && !error->truncated) {
            error->truncated = 1;
        }
    }
}

// A progressive file may hold any number of scans, each a full pass over the
// coefficients: bound them, as libjpeg-turbo's own tools do, so a small
// hostile file cannot take minutes.
static inline void ddpm_jpeg_progress_monitor(j_common_ptr cinfo) {
    ddpm_jpeg_progress *progress = (ddpm_jpeg_progress *)cinfo->progress;
    if (cinfo->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)cinfo;
        if (d->input_scan_number > progress->maximum_scans) {
            snprintf(progress->error->message, JMSG_LENGTH_MAX, "more than %d progressive scans", progress->maximum_scans);
            longjmp(progress->error->jump, 1);
        }
    }
}

static inline int ddpm_jpeg_read16(const unsigned char *p, int little) {
    return little ? (p[0] | p[1] << 8) : (p[0] << 8 | p[1]);
}

static inline unsigned long ddpm_jpeg_read32(const unsigned char *p, int little) {
    return little ? ((unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24)
                  : ((unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | (unsigned long)p[3]);
}

// The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" segment, or 1.
static inline int ddpm_jpeg_orientation(j_decompress_ptr cinfo) {
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 14) continue;
        const unsigned char *d = marker->data;
        if (memcmp(d, "Exif\0\0", 6) != 0) continue;
        const unsigned char *tiff = d + 6;
        unsigned long length = marker->data_length - 6;
        int little;
        if (tiff[0] == 'I' && tiff[1] == 'I') little = 1;
        else if (tiff[0] == 'M' && tiff[1] == 'M') little = 0;
        else continue;
        unsigned long ifd = ddpm_jpeg_read32(tiff + 4, little);
        if (ifd > length - 2 || ifd < 8) continue;
        int entries = ddpm_jpeg_read16(tiff + ifd, little);
        for (int i = 0; i < entries; i++) {
            unsigned long entry = ifd + 2 + 12 * (unsigned long)i;
            if (entry + 12 > length) break;
            if (ddpm_jpeg_read16(tiff + entry, little) == 0x0112) {
                int value = ddpm_jpeg_read16(tiff + entry + 8, little);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
    }
    return 1;
}

/// Decodes `size` bytes of JPEG into `out`. Returns 1 on success; 0 with
/// `out->message` set otherwise. Images of more than `maximum_pixels` pixels are
/// refused before their pixels are allocated.
static inline int ddpm_jpeg_decode(const unsigned char *data, unsigned long size, unsigned long maximum_pixels,
                                   int maximum_scans, ddpm_jpeg_image *out) {
    struct jpeg_decompress_struct cinfo;
    ddpm_jpeg_error error;
    ddpm_jpeg_progress progress;
    unsigned char *volatile pixels = NULL;
    memset(out, 0, sizeof(*out));
    out->orientation = 1;
    cinfo.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = ddpm_jpeg_error_exit;
    error.manager.emit_message = ddpm_jpeg_emit_message;
    error.message = out->message;
    error.truncated = 0;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    progress.manager.progress_monitor = ddpm_jpeg_progress_monitor;
    progress.error = &error;
    progress.maximum_scans = maximum_scans;
    cinfo.progress = &progress.manager;
    jpeg_mem_src(&cinfo, data, size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    if ((unsigned long)cinfo.image_width * (unsigned long)cinfo.image_height > maximum_pixels) {
        snprintf(out->message, JMSG_LENGTH_MAX, "%u×%u pixels exceed the limit of %lu", cinfo.image_width,
                 cinfo.image_height, maximum_pixels);
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    default:
        snprintf(out->message, JMSG_LENGTH_MAX, "CMYK/YCCK JPEG is not supported (convert it to RGB)");
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    out->orientation = ddpm_jpeg_orientation(&cinfo);
    out->progressive = cinfo.progressive_mode ? 1 : 0;
    jpeg_start_decompress(&cinfo);
    int channels = cinfo.output_components;
    size_t row = (size_t)cinfo.output_width * (size_t)channels;
    pixels = (unsigned char *)malloc(row * cinfo.output_height + 1);
    if (!pixels) {
        snprintf(out->message, JMSG_LENGTH_MAX, "out of memory for %u×%u pixels", cinfo.output_width, cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[1] = { pixels + row * cinfo.output_scanline };
        jpeg_read_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_decompress(&cinfo);
    if (error.truncated) {
        snprintf(out->message, JMSG_LENGTH_MAX, "the data ends early (a truncated file)");
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return 0;
    }
    out->pixels = pixels;
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->channels = channels;
    jpeg_destroy_decompress(&cinfo);
    return 1;
}

static inline void ddpm_jpeg_free(unsigned char *pixels) { free(pixels); }

#endif
