import NN
import Tensors

/// One level of the U-Net's contracting path (diffusers' `DownBlock2D`, or
/// `AttnDownBlock2D` when it has attention): residual blocks, each optionally
/// followed by self-attention, then an optional downsampler. Every block
/// output is kept as a skip connection.
public final class DownBlock2D: Module {
    /// The residual blocks (`resnets.i`).
    public let resnets: [ResnetBlock2D]
    /// The attention after each residual block, or none (`attentions.i`).
    public let attentions: [SpatialSelfAttention]
    /// The stride-2 convolution at the end, absent at the lowest level (`downsamplers.0`).
    public let downsampler: Downsample2D?

    /// A block with `layers` residual blocks from `inChannels` to `outChannels`.
    public init(
        inChannels: Int, outChannels: Int, layers: Int, attention: Bool, downsample: Bool,
        config: UNetConfig, generator: inout RandomGenerator
    ) {
        var resnets: [ResnetBlock2D] = []
        var attentions: [SpatialSelfAttention] = []
        for i in 0..<layers {
            resnets.append(
                ResnetBlock2D(
                    inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels,
                    timeWidth: config.timeEmbedWidth, groups: config.normNumGroups, eps: config.normEps,
                    dropout: config.dropout, generator: &generator))
            if attention {
                attentions.append(
                    SpatialSelfAttention(
                        channels: outChannels, headWidth: config.attentionHeadDim, groups: config.normNumGroups,
                        eps: config.normEps, generator: &generator))
            }
        }
        self.resnets = resnets
        self.attentions = attentions
        downsampler = downsample ? Downsample2D(channels: outChannels, padding: config.downsamplePadding, generator: &generator) : nil
    }

    /// Its layers under diffusers' parameter paths.
    public var children: [(name: String, module: any Module)] {
        resnets.enumerated().map { ("resnets.\($0.offset)", $0.element as any Module) }
            + attentions.enumerated().map { ("attentions.\($0.offset)", $0.element as any Module) }
            + (downsampler.map { [("downsamplers.0", $0 as any Module)] } ?? [])
    }

    /// Returns the block's output and the skip connections it produced.
    public func callAsFunction(_ x: Tensor, timeEmbedding: Tensor) -> (Tensor, [Tensor]) {
        var h = x
        var skips: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = resnet(h, timeEmbedding: timeEmbedding)
            if !attentions.isEmpty { h = attentions[i](h) }
            skips.append(h)
        }
        if let downsampler {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}
