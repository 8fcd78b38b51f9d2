import CKernels

/// The per-thread scratch buffers of the kernels written in Swift (over
/// `ck_thread_buffer`), one slot per role. The roles and their number are
/// defined once, in `CKScratch.h`; this type only names them for Swift.
/// Contents are undefined on each call; a buffer stays allocated for the
/// thread's later calls.
struct ThreadBuffer: CustomStringConvertible {
    let slot: ck_thread_buffer_slot

    /// Convolutions: a padded channels-last image.
    static let padded = ThreadBuffer(slot: CK_BUFFER_PADDED)
    /// Convolutions: the GEMM rows or output tiles before they are unpacked.
    static let staging = ThreadBuffer(slot: CK_BUFFER_STAGING)
    /// Winograd: the transformed input tiles `V` (or their gradient).
    static let transformedInput = ThreadBuffer(slot: CK_BUFFER_TRANSFORMED_INPUT)
    /// Winograd: the transformed products `M` (or their gradient).
    static let transformedProduct = ThreadBuffer(slot: CK_BUFFER_TRANSFORMED_PRODUCT)
    /// Attention: one item's probabilities.
    static let probabilities = ThreadBuffer(slot: CK_BUFFER_PROBABILITIES)
    /// Attention: one item's score gradient.
    static let scoreGradient = ThreadBuffer(slot: CK_BUFFER_SCORE_GRADIENT)
    /// Winograd, on the calling thread: the transformed kernel `U` (or `Uᵀ`).
    static let transformedKernel = ThreadBuffer(slot: CK_BUFFER_TRANSFORMED_KERNEL)
    /// Winograd, on the calling thread: the per-block partial sums of `dU`.
    static let kernelGradientPartials = ThreadBuffer(slot: CK_BUFFER_KERNEL_GRADIENT_PARTIALS)
    /// Strided implicit-GEMM convolutions: the padded image's rows regrouped by phase.
    static let phasePlanes = ThreadBuffer(slot: CK_BUFFER_PHASE_PLANES)

    var description: String { "thread buffer slot \(slot.rawValue)" }

    /// This thread's buffer for the role, of at least `floats` floats.
    func pointer(floats: Int) -> UnsafeMutablePointer<Float> {
        guard let pointer = ck_thread_buffer(slot, Swift.max(1, floats)) else {
            fatalError("could not allocate \(floats * 4) bytes of scratch memory (\(self))")
        }
        return pointer
    }
}
