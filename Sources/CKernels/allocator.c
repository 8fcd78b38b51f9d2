// Allocator tuning for tensor workloads (see AllocatorTuning.swift).
#include "CKernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void ck_keep_freed_memory_for_reuse(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}
