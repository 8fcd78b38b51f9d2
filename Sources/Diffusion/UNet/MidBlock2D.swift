import NN
import Tensors

/// The bottleneck of the U-Net (diffusers' `UNetMidBlock2D`): residual block,
/// optional self-attention, residual block.
public final class MidBlock2D: Module {
    /// The two residual blocks.
    public let resnets: [ResnetBlock2D]
    /// The attention between them, when the configuration has it.
    public let attention: SpatialSelfAttention?

    /// The middle block at the deepest level's width.
    public init(channels: Int, config: UNetConfig, generator: inout RandomGenerator) {
        var resnets: [ResnetBlock2D] = []
        var attention: SpatialSelfAttention? = nil
        for i in 0..<2 {
            resnets.append(
                ResnetBlock2D(
                    inChannels: channels, outChannels: channels, timeWidth: config.timeEmbedWidth,
                    groups: config.normNumGroups, eps: config.normEps, dropout: config.dropout,
                    outputScale: config.midBlockScaleFactor, generator: &generator))
            if i == 0 && config.addAttention {
                attention = SpatialSelfAttention(
                    channels: channels, headWidth: config.attentionHeadDim, groups: config.normNumGroups,
                    eps: config.normEps, outputScale: config.midBlockScaleFactor, generator: &generator)
            }
        }
        self.resnets = resnets
        self.attention = attention
    }

    /// Its layers under diffusers' parameter paths.
    public var children: [(name: String, module: any Module)] {
        resnets.enumerated().map { ("resnets.\($0.offset)", $0.element as any Module) }
            + (attention.map { [("attentions.0", $0 as any Module)] } ?? [])
    }

    /// The block's output for feature maps `x` and the time embedding.
    public func callAsFunction(_ x: Tensor, timeEmbedding: Tensor) -> Tensor {
        var h = resnets[0](x, timeEmbedding: timeEmbedding)
        if let attention { h = attention(h) }
        return resnets[1](h, timeEmbedding: timeEmbedding)
    }
}
