/// The sizes of one 2-D convolution (NCHW input, OIHW weight, groups = 1):
/// `outHeight = ⌊(height + top + bottom − kH) / sH⌋ + 1`, the same across.
public struct Conv2DGeometry: Hashable, Sendable, CustomStringConvertible {
    /// Images in the batch, N.
    public let batch: Int
    /// Input channels, C.
    public let inChannels: Int
    /// Input height (before padding).
    public let height: Int
    /// Input width (before padding).
    public let width: Int
    /// Output channels, O.
    public let outChannels: Int
    /// Kernel height, kH.
    public let kernelHeight: Int
    /// Kernel width, kW.
    public let kernelWidth: Int
    /// Vertical stride, sH.
    public let strideY: Int
    /// Horizontal stride, sW.
    public let strideX: Int
    /// Zero padding on each side.
    public let padding: Conv2DPadding
    /// Output height, `⌊(height + top + bottom − kH)/sH⌋ + 1`.
    public let outHeight: Int
    /// Output width, `⌊(width + left + right − kW)/sW⌋ + 1`.
    public let outWidth: Int

    /// Reads and checks the sizes, stopping with a message naming the shapes on any mismatch.
    public init(input: [Int], weight: [Int], bias: [Int]?, stride: (Int, Int), padding: Conv2DPadding) {
        precondition(input.count == 4, "conv2d: input must be NCHW (rank 4), got shape \(input)")
        precondition(weight.count == 4, "conv2d: weight must be [Cout, Cin, kH, kW] (rank 4), got shape \(weight)")
        precondition(
            weight[1] == input[1],
            "conv2d: weight \(weight) expects \(weight[1]) input channels, input \(input) has \(input[1])")
        precondition(input[0] >= 0 && input[1] > 0 && input[2] > 0 && input[3] > 0, "conv2d: empty input shape \(input)")
        precondition(weight[0] > 0 && weight[2] > 0 && weight[3] > 0, "conv2d: empty weight shape \(weight)")
        precondition(stride.0 > 0 && stride.1 > 0, "conv2d: stride must be positive, got \(stride)")
        precondition(
            padding.top >= 0 && padding.bottom >= 0 && padding.left >= 0 && padding.right >= 0,
            "conv2d: padding must be non-negative, got \(padding)")
        if let bias {
            precondition(bias == [weight[0]], "conv2d: bias shape \(bias) does not match weight \(weight); expected [\(weight[0])]")
        }
        batch = input[0]
        inChannels = input[1]
        height = input[2]
        width = input[3]
        outChannels = weight[0]
        kernelHeight = weight[2]
        kernelWidth = weight[3]
        strideY = stride.0
        strideX = stride.1
        self.padding = padding
        let paddedHeight = height + padding.top + padding.bottom
        let paddedWidth = width + padding.left + padding.right
        precondition(
            paddedHeight >= kernelHeight && paddedWidth >= kernelWidth,
            "conv2d: kernel \(kernelHeight)×\(kernelWidth) (weight \(weight)) is larger than the padded input \(paddedHeight)×\(paddedWidth) (input \(input), padding \(padding))"
        )
        outHeight = (paddedHeight - kernelHeight) / strideY + 1
        outWidth = (paddedWidth - kernelWidth) / strideX + 1
    }

    /// `[batch, outChannels, outHeight, outWidth]`.
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    /// Rows of the patch matrix: the GEMM's inner dimension.
    var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    var inputPixels: Int { height * width }
    var outputPixels: Int { outHeight * outWidth }
    var inputImageSize: Int { inChannels * inputPixels }
    var outputImageSize: Int { outChannels * outputPixels }

    /// A 1×1 kernel with unit stride and no padding: the patch matrix is the image itself.
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1 && padding.isZero
    }

    /// Multiply-adds of the forward pass: `N · Cout · C·kH·kW · Hout·Wout`.
    public var multiplyAdds: Int { batch * outChannels * patchSize * outputPixels }

    /// For example `8×64×14×14 → 64×14×14, 3×3 stride 1 pad 1`.
    public var description: String {
        let pad =
            padding.top == padding.bottom && padding.left == padding.right && padding.top == padding.left
            ? "\(padding.top)" : "(\(padding.top),\(padding.bottom),\(padding.left),\(padding.right))"
        let strides = strideY == strideX ? "\(strideY)" : "\(strideY)×\(strideX)"
        return "\(batch)×\(inChannels)×\(height)×\(width) → \(outChannels)×\(outHeight)×\(outWidth), "
            + "\(kernelHeight)×\(kernelWidth) stride \(strides) pad \(pad)"
    }
}
