import Foundation
import NN
import Tensors

/// Self-attention over the pixels of a feature map with a residual connection
/// (diffusers' `Attention` as used by `AttnDownBlock2D` and the mid block):
/// GN → q, k, v linear → softmax(q·kᵀ/√d) · v per head → out linear → + input.
public final class SpatialSelfAttention: Module {
    public let groupNorm: GroupNorm
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let heads: Int
    public let outputScale: Float

    public init(channels: Int, headWidth: Int?, groups: Int, eps: Float, outputScale: Float = 1,
                generator: inout RandomGenerator) {
        groupNorm = GroupNorm(groupCount: groups, channelCount: channels, epsilon: eps)
        query = Linear(channels, channels, generator: &generator)
        key = Linear(channels, channels, generator: &generator)
        value = Linear(channels, channels, generator: &generator)
        output = Linear(channels, channels, generator: &generator)
        heads = headWidth.map { channels / $0 } ?? 1
        self.outputScale = outputScale
    }

    public var children: [(name: String, module: any Module)] {
        [("group_norm", groupNorm), ("to_q", query), ("to_k", key), ("to_v", value), ("to_out.0", output)]
    }

    /// `x` is [B, C, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let n = h * w, d = c / heads
        let tokens = groupNorm(x).reshaped([b, c, n]).transposed(1, 2)
        func split(_ t: Tensor) -> Tensor {
            heads == 1 ? t : t.reshaped([b, n, heads, d]).permuted([0, 2, 1, 3]).reshaped([b * heads, n, d])
        }
        let q = split(query(tokens)), k = split(key(tokens)), v = split(value(tokens))
        var attended = Tensor.attention(query: q, key: k, value: v, scale: 1 / Float(d).squareRoot())
        if heads > 1 {
            attended = attended.reshaped([b, heads, n, d]).permuted([0, 2, 1, 3]).reshaped([b, n, c])
        }
        let projected = output(attended).transposed(1, 2).reshaped([b, c, h, w])
        let sum = projected + x
        return outputScale == 1 ? sum : sum / outputScale
    }
}
