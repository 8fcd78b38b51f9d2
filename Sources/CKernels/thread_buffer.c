// Per-thread reusable buffers (the SGEMM's packing, convolution staging,
// attention), so that a training step does not allocate them on every call.
#include "CKScratch.h"
#include <stdlib.h>

float *ck_thread_buffer(ck_thread_buffer_slot slot, size_t floats) {
    static _Thread_local float *buffers[CK_THREAD_BUFFER_SLOTS];
    static _Thread_local size_t capacities[CK_THREAD_BUFFER_SLOTS];
    if ((int)slot < 0 || slot >= CK_THREAD_BUFFER_SLOTS) return NULL;
    size_t alignment = slot == CK_BUFFER_GEMM_PACKING ? 4096 : 64;
    if (floats > capacities[slot] || buffers[slot] == NULL) {
        free(buffers[slot]);
        size_t bytes = (floats * sizeof(float) + 4095) & ~(size_t)4095;
        if (bytes == 0) bytes = 4096;
        buffers[slot] = aligned_alloc(alignment, bytes);
        capacities[slot] = buffers[slot] ? bytes / sizeof(float) : 0;
    }
    return buffers[slot];
}
