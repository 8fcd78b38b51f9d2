#ifndef CKSCRATCH_H
#define CKSCRATCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The roles of the per-thread scratch buffers, one slot each, named here
/// once (Swift's `ThreadBuffer` uses these names), so that no two buffers
/// live at the same time share a slot.
typedef enum {
    /// Convolutions: a padded channels-last image.
    CK_BUFFER_PADDED = 0,
    /// Convolutions: the GEMM rows or output tiles before they are unpacked.
    CK_BUFFER_STAGING,
    /// Winograd: the transformed input tiles V (or their gradient).
    CK_BUFFER_TRANSFORMED_INPUT,
    /// Winograd: the transformed products M (or their gradient).
    CK_BUFFER_TRANSFORMED_PRODUCT,
    /// Attention: one item's probabilities.
    CK_BUFFER_PROBABILITIES,
    /// Attention: one item's score gradient.
    CK_BUFFER_SCORE_GRADIENT,
    /// Winograd, on the calling thread: the transformed kernel U (or Uᵀ).
    CK_BUFFER_TRANSFORMED_KERNEL,
    /// Winograd, on the calling thread: the per-block partial sums of dU.
    CK_BUFFER_KERNEL_GRADIENT_PARTIALS,
    /// Strided implicit-GEMM convolutions: the padded image's rows regrouped by phase.
    CK_BUFFER_PHASE_PLANES,
    /// The SGEMM's packed panels of A and B (page-aligned).
    CK_BUFFER_GEMM_PACKING,
    /// The number of slots.
    CK_THREAD_BUFFER_SLOTS
} ck_thread_buffer_slot;

/// A buffer of at least `floats` floats private to the calling thread, one per
/// `slot`, grown on demand and kept for later calls so that hot paths stop
/// allocating after the first; 64-byte aligned (the SGEMM's, 4096). Its
/// contents are undefined. NULL when memory runs out or `slot` is invalid.
float *ck_thread_buffer(ck_thread_buffer_slot slot, size_t floats);

#ifdef __cplusplus
}
#endif

#endif
