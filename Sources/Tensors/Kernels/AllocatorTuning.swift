import CKernels

/// Tuning of the C allocator for a program that allocates and frees many
/// tensors of a few large sizes, step after step.
///
/// glibc serves blocks above 128 KB by `mmap` and returns freed memory to the
/// system, so every new activation costs page faults and zeroing by the
/// kernel (about a tenth of a U-Net training step). Keeping freed memory in
/// the heap for reuse removes that. Call once at program start; libraries
/// embedding the engine may leave it alone. A no-op outside glibc.
public enum AllocatorTuning {
    /// Serves blocks up to 32 MB from the heap and keeps freed memory (up to 1 GB)
    /// for reuse. Returns whether the allocator took the settings (false outside glibc).
    @discardableResult
    public static func keepFreedMemoryForReuse() -> Bool {
        ck_keep_freed_memory_for_reuse() != 0
    }
}
