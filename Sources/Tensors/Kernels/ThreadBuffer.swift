import CKernels

/// The per-thread scratch buffers of the kernels written in Swift (over
/// `ck_thread_buffer`), one slot per role, all named here so that no two
/// buffers that are live at the same time share a slot. Contents are undefined
/// on each call; a buffer stays allocated for the thread's later calls.
enum ThreadBuffer: Int32 {
    /// Convolutions: a padded channels-last image.
    case padded = 0
    /// Convolutions: the GEMM rows or output tiles before they are unpacked.
    case staging = 1
    /// Winograd: the transformed input tiles `V` (or their gradient).
    case transformedInput = 2
    /// Winograd: the transformed products `M` (or their gradient).
    case transformedProduct = 3
    /// Attention: one item's probabilities.
    case probabilities = 4
    /// Attention: one item's score gradient.
    case scoreGradient = 5
    /// Winograd, on the calling thread: the transformed kernel `U` (or `Uᵀ`).
    case transformedKernel = 6
    /// Winograd, on the calling thread: the per-block partial sums of `dU`.
    case kernelGradientPartials = 7
    /// Strided implicit-GEMM convolutions: the padded image's rows regrouped by phase.
    case phasePlanes = 8

    /// This thread's buffer for the role, of at least `floats` floats.
    func pointer(floats: Int) -> UnsafeMutablePointer<Float> {
        guard let pointer = ck_thread_buffer(rawValue, Swift.max(1, floats)) else {
            fatalError("could not allocate \(floats * 4) bytes of scratch memory (\(self))")
        }
        return pointer
    }
}
