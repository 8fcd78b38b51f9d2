import NN
import Tensors

/// The residual block of the DDPM U-Net (diffusers' `ResnetBlock2D`, default
/// time-scale shift): GN → SiLU → conv3×3 → + W·SiLU(t_emb) → GN → SiLU →
/// dropout → conv3×3, added to the input (through a 1×1 conv when the width changes).
public final class ResnetBlock2D: Module {
    /// The first group normalisation.
    public let norm1: GroupNorm
    /// The first 3×3 convolution.
    public let conv1: Conv2d
    /// W: the time embedding projected to the block's width (`time_emb_proj`).
    public let timeProjection: Linear
    /// The second group normalisation.
    public let norm2: GroupNorm
    /// The dropout before the second convolution.
    public let dropout: Dropout
    /// The second 3×3 convolution.
    public let conv2: Conv2d
    /// The 1×1 convolution on the residual path when the width changes (`conv_shortcut`).
    public let shortcut: Conv2d?
    /// The sum is divided by it (diffusers' `output_scale_factor`).
    public let outputScale: Float

    /// A block from `inChannels` to `outChannels`, with weights drawn from `generator`.
    public init(
        inChannels: Int, outChannels: Int, timeWidth: Int, groups: Int, eps: Float,
        dropout: Float, outputScale: Float = 1, generator: inout RandomGenerator
    ) {
        norm1 = GroupNorm(groupCount: groups, channelCount: inChannels, epsilon: eps)
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        timeProjection = Linear(timeWidth, outChannels, generator: &generator)
        norm2 = GroupNorm(groupCount: groups, channelCount: outChannels, epsilon: eps)
        self.dropout = Dropout(probability: dropout, generator: &generator)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: &generator)
        shortcut = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, generator: &generator)
        self.outputScale = outputScale
    }

    /// Its layers under diffusers' parameter paths.
    public var children: [(name: String, module: any Module)] {
        var list: [(name: String, module: any Module)] = [
            ("norm1", norm1), ("conv1", conv1), ("time_emb_proj", timeProjection),
            ("norm2", norm2), ("dropout", dropout), ("conv2", conv2),
        ]
        if let shortcut { list.append(("conv_shortcut", shortcut)) }
        return list
    }

    /// `x` is [B, C, H, W]; `timeEmbedding` is [B, timeWidth].
    public func callAsFunction(_ x: Tensor, timeEmbedding: Tensor) -> Tensor {
        let t = timeProjection(timeEmbedding.silu())
        let h = conv1(x, prologue: norm1.thenSiLU())
        let residual = shortcut.map { $0(x) } ?? x
        // norm2 takes h + t (t broadcast over the positions) without forming the sum.
        let sum = conv2(h, prologue: norm2.thenSiLU(adding: t).then(dropout), residual: residual)
        return outputScale == 1 ? sum : sum / outputScale
    }
}
