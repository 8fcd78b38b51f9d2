import NN
import Tensors

/// Halves the resolution with a stride-2 3×3 convolution (diffusers'
/// `Downsample2D`). With `padding` 0 the input is first padded by one pixel
/// on the right and bottom only, as diffusers does.
public final class Downsample2D: Module {
    /// The 3×3 convolution, stride 2.
    public let conv: Conv2d

    /// A downsampler keeping `channels`; `padding` is diffusers' `downsample_padding`.
    public init(channels: Int, padding: Int, generator: inout RandomGenerator) {
        let pad =
            padding == 0
            ? Conv2DPadding(top: 0, bottom: 1, left: 0, right: 1)
            : Conv2DPadding(top: padding, bottom: padding, left: padding, right: padding)
        conv = Conv2d(channels, channels, kernelSize: (3, 3), stride: (2, 2), padding: pad, generator: &generator)
    }

    /// The convolution, as `conv`.
    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// The feature maps at half the resolution.
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
}

/// Doubles the resolution: nearest-neighbour ×2, then a 3×3 convolution
/// (diffusers' `Upsample2D`).
public final class Upsample2D: Module {
    /// The 3×3 convolution after the nearest-neighbour upsampling.
    public let conv: Conv2d

    /// An upsampler keeping `channels`.
    public init(channels: Int, generator: inout RandomGenerator) {
        conv = Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: &generator)
    }

    /// The convolution, as `conv`.
    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    /// The feature maps at twice the resolution.
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x, prologue: .upsampleNearest2x) }
}
