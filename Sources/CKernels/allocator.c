// Allocator tuning for tensor workloads (see AllocatorTuning.swift).
#include "CKernels.h"
// Any libc header defines __GLIBC__ on glibc; without one the test below is always false.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int ck_keep_freed_memory_for_reuse(void) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) && mallopt(M_TRIM_THRESHOLD, 1 << 30) && mallopt(M_TOP_PAD, 64 << 20);
#else
    return 0;
#endif
}
