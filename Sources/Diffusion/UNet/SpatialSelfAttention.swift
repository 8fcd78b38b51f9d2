import Foundation
import NN
import Tensors

/// Self-attention over the pixels of a feature map with a residual connection
/// (diffusers' `Attention` as used by `AttnDownBlock2D` and the mid block):
/// GN → q, k, v linear → softmax(q·kᵀ/√d) · v per head → out linear → + input.
public final class SpatialSelfAttention: Module {
    /// The normalisation before the projections.
    public let groupNorm: GroupNorm
    /// The query projection (`to_q`).
    public let query: Linear
    /// The key projection (`to_k`).
    public let key: Linear
    /// The value projection (`to_v`).
    public let value: Linear
    /// The output projection (`to_out.0`).
    public let output: Linear
    /// The number of attention heads.
    public let heads: Int
    /// The sum with the input is divided by it (diffusers' `rescale_output_factor`).
    public let outputScale: Float

    /// Attention over `channels`, in heads of `headWidth` (nil: one head).
    public init(
        channels: Int, headWidth: Int?, groups: Int, eps: Float, outputScale: Float = 1,
        generator: inout RandomGenerator
    ) {
        groupNorm = GroupNorm(groupCount: groups, channelCount: channels, epsilon: eps)
        query = Linear(channels, channels, generator: &generator)
        key = Linear(channels, channels, generator: &generator)
        value = Linear(channels, channels, generator: &generator)
        output = Linear(channels, channels, generator: &generator)
        heads = headWidth.map { channels / $0 } ?? 1
        self.outputScale = outputScale
    }

    /// Its layers under diffusers' parameter paths.
    public var children: [(name: String, module: any Module)] {
        [("group_norm", groupNorm), ("to_q", query), ("to_k", key), ("to_v", value), ("to_out.0", output)]
    }

    /// `x` is [B, C, H, W]. Every step stays in this layout: q, k and v come
    /// from one pointwise convolution with the three weights stacked
    /// (`[B, 3C, H, W]`), head `h` of image `b` reads its channel blocks with the
    /// pixels as token columns, and the output projection is pointwise too.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let projections = [query, key, value]
        let weight = Tensor.concat(projections.map(\.weight), axis: 0).reshaped([3 * c, c, 1, 1])
        let biases = projections.compactMap(\.bias)
        precondition(biases.isEmpty || biases.count == 3, "SpatialSelfAttention: to_q, to_k and to_v must all have a bias or none")
        let bias = biases.isEmpty ? nil : Tensor.concat(biases, axis: 0)
        let packed = groupNorm(x).conv2d(weight, bias: bias, stride: (1, 1), padding: .zero)
        let attended = Tensor.selfAttention(
            packedColumns: packed.reshaped([b, 3 * c, h * w]), heads: heads,
            scale: 1 / Float(c / heads).squareRoot())
        let sum = output.pointwise(attended.reshaped([b, c, h, w]), adding: x)
        return outputScale == 1 ? sum : sum / outputScale
    }
}
