import Tensors

/// A 2-D convolution over NCHW tensors (PyTorch's `nn.Conv2d`, groups = 1,
/// dilation = 1): `y[n, o] = b[o] + Σ_c Σ_kh Σ_kw W[o, c, kh, kw] · x[n, c, ·, ·]`
/// with the given stride and zero padding, which may differ per side
/// (diffusers' downsampler pads only right and bottom).
///
/// `weight` is OIHW `[out, in, kh, kw]` and `bias` `[out]`, both drawn from
/// U(−1/√fan_in, 1/√fan_in) with `fan_in = in·kh·kw`, as PyTorch does.
public final class Conv2d: UnaryLayer {
    /// Input channels.
    public let inChannels: Int
    /// Output channels.
    public let outChannels: Int
    /// The kernel's height and width.
    public let kernelSize: (height: Int, width: Int)
    /// The vertical and horizontal stride.
    public let stride: (height: Int, width: Int)
    /// Zero padding on each side.
    public let padding: Conv2DPadding
    /// `[outChannels, inChannels, kernelHeight, kernelWidth]`.
    public let weight: Tensor
    /// `[outChannels]`, or nil for a convolution without bias.
    public let bias: Tensor?

    /// A convolution with a `kernelSize`² kernel, equal stride and symmetric padding.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
        padding: Int = 0, bias: Bool = true, generator: inout RandomGenerator
    ) {
        self.init(
            inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
            padding: Conv2DPadding(all: padding), bias: bias, generator: &generator)
    }

    /// A convolution with any kernel, stride and per-side padding.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int),
        padding: Conv2DPadding, bias: Bool = true, generator: inout RandomGenerator
    ) {
        precondition(
            inChannels > 0 && outChannels > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
            "Conv2d: channels and kernel size must be positive, got \(inChannels) → \(outChannels), kernel \(kernelSize)")
        precondition(stride.0 > 0 && stride.1 > 0, "Conv2d: stride must be positive, got \(stride)")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = (kernelSize.0, kernelSize.1)
        self.stride = (stride.0, stride.1)
        self.padding = padding
        let bound = Initialization.defaultBound(fanIn: inChannels * kernelSize.0 * kernelSize.1)
        weight = Initialization.uniformParameter(
            [outChannels, inChannels, kernelSize.0, kernelSize.1],
            bound: bound, generator: &generator)
        self.bias = bias ? Initialization.uniformParameter([outChannels], bound: bound, generator: &generator) : nil
    }

    /// `weight`, and `bias` when the layer has one.
    public var parameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// The convolution of an NCHW batch.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight, bias: bias, stride: (stride.height, stride.width), padding: padding)
    }

    /// `self(prologue(input)) + residual`: the one entry for fused work. The
    /// convolution's plan decides whether the prologue (upsampling,
    /// `GroupNorm.thenSiLU`) and the residual add run inside its passes
    /// (`Tensor.conv2d(_:bias:stride:padding:prologue:adding:algorithms:)`).
    public func callAsFunction(_ input: Tensor, prologue: Conv2DPrologue, residual: Tensor? = nil) -> Tensor {
        input.conv2d(
            weight, bias: bias, stride: (stride.height, stride.width), padding: padding,
            prologue: prologue, adding: residual)
    }
}
