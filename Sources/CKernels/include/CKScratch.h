#ifndef CKSCRATCH_H
#define CKSCRATCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The number of independent per-thread buffers `ck_thread_buffer` keeps.
#define CK_THREAD_BUFFER_SLOTS 9

/// A 64-byte-aligned buffer of at least `floats` floats private to the calling
/// thread, one per `slot` (0 ..< CK_THREAD_BUFFER_SLOTS), grown on demand and
/// kept for later calls so that hot paths stop allocating after the first.
/// Its contents are undefined. NULL when memory runs out or `slot` is invalid.
/// Separate from the SGEMM kernels' own scratch, so both may be live at once.
float *ck_thread_buffer(int slot, size_t floats);

#ifdef __cplusplus
}
#endif

#endif
