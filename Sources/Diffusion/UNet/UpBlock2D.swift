import NN
import Tensors

/// One level of the U-Net's expanding path (diffusers' `UpBlock2D`, or
/// `AttnUpBlock2D` with attention): each residual block reads the previous
/// output concatenated (as `[h, skip]` along channels) with one skip
/// connection, optionally followed by self-attention; then an optional upsampler.
public final class UpBlock2D: Module {
    /// The residual blocks (`resnets.i`).
    public let resnets: [ResnetBlock2D]
    /// The attention after each residual block, or none (`attentions.i`).
    public let attentions: [SpatialSelfAttention]
    /// The upsampler at the end, absent at the top level (`upsamplers.0`).
    public let upsampler: Upsample2D?

    /// `skipChannels[i]` is the width of the skip connection the `i`-th block reads.
    public init(
        previousChannels: Int, outChannels: Int, skipChannels: [Int], attention: Bool, upsample: Bool,
        config: UNetConfig, generator: inout RandomGenerator
    ) {
        var resnets: [ResnetBlock2D] = []
        var attentions: [SpatialSelfAttention] = []
        for (i, skip) in skipChannels.enumerated() {
            resnets.append(
                ResnetBlock2D(
                    inChannels: (i == 0 ? previousChannels : outChannels) + skip, outChannels: outChannels,
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
        upsampler = upsample ? Upsample2D(channels: outChannels, generator: &generator) : nil
    }

    /// Its layers under diffusers' parameter paths.
    public var children: [(name: String, module: any Module)] {
        resnets.enumerated().map { ("resnets.\($0.offset)", $0.element as any Module) }
            + attentions.enumerated().map { ("attentions.\($0.offset)", $0.element as any Module) }
            + (upsampler.map { [("upsamplers.0", $0 as any Module)] } ?? [])
    }

    /// Consumes skip connections from the end of `skips`.
    public func callAsFunction(_ x: Tensor, skips: inout [Tensor], timeEmbedding: Tensor) -> Tensor {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            let skip = skips.removeLast()
            h = resnet(Tensor.concat([h, skip], axis: 1), timeEmbedding: timeEmbedding)
            if !attentions.isEmpty { h = attentions[i](h) }
        }
        if let upsampler { h = upsampler(h) }
        return h
    }
}
