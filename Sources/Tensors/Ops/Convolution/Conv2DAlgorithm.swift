/// How one pass of a convolution is computed. All give the same function;
/// they differ in speed and in rounding. Which one runs is decided by
/// `Conv2DPlan`, in one place.
public enum Conv2DAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// A 1×1 kernel, unit stride, no padding: the image is the patch matrix, one GEMM per image.
    case pointwise
    /// Each image unfolded into its patch matrix, then one GEMM (`Im2ColConv2D`).
    case im2col
    /// GEMMs read straight from a padded channels-last copy of the image, no patch matrix (`ImplicitConv2D`).
    case implicitGEMM
    /// Winograd's minimal filtering F(m×m, 3×3) (`WinogradConv2D`).
    case winograd(WinogradTile)

    /// Whether this algorithm computes the forward pass of `g` at all (not
    /// whether it is the fastest there).
    public func computesForward(_ g: Conv2DGeometry) -> Bool {
        switch self {
        case .pointwise: g.isPointwise
        case .im2col: true
        case .implicitGEMM:
            // The same stride on both axes and padding below the kernel size
            // (the input gradient's full correlation pads by k − 1 − p ≥ 0).
            g.strideY == g.strideX && !g.isPointwise
                && g.padding.top < g.kernelHeight && g.padding.bottom < g.kernelHeight
                && g.padding.left < g.kernelWidth && g.padding.right < g.kernelWidth
        case .winograd:
            g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
                && g.padding.top <= 2 && g.padding.bottom <= 2 && g.padding.left <= 2 && g.padding.right <= 2
        }
    }

    /// Whether this algorithm computes the gradients of `g`: as the forward,
    /// except that the implicit GEMM's backward needs unit stride.
    public func computesBackward(_ g: Conv2DGeometry) -> Bool {
        switch self {
        case .implicitGEMM: computesForward(g) && g.strideY == 1
        default: computesForward(g)
        }
    }

    /// The algorithm's name, as `ddpm bench model --plans` prints it.
    public var description: String {
        switch self {
        case .pointwise: "pointwise"
        case .im2col: "im2col"
        case .implicitGEMM: "implicit GEMM"
        case .winograd(let tile): "Winograd \(tile)"
        }
    }
}

/// How a convolution pass spreads over the threads.
public enum Conv2DThreading: Sendable, Hashable, CustomStringConvertible {
    /// The batch cut into this many blocks of images, one thread each, each
    /// running single-threaded GEMMs.
    case batchBlocks(Int)
    /// Image after image, each GEMM spread over all threads.
    case splitGEMM

    /// The threading, as `ddpm bench model --plans` prints it.
    public var description: String {
        switch self {
        case .batchBlocks(let blocks): "\(blocks) batch block\(blocks == 1 ? "" : "s")"
        case .splitGEMM: "split GEMM"
        }
    }
}
