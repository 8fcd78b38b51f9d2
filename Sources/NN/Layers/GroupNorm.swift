import Tensors

/// Group normalisation (PyTorch's `nn.GroupNorm`): the channels of an
/// `[N, C, *]` input are split into `groupCount` groups, each (sample, group)
/// is normalised to zero mean and unit variance, `x̂ = (x − μ)/√(σ² + ε)`,
/// then `y = γ_c·x̂ + β_c`. γ starts at 1 and β at 0.
public final class GroupNorm: UnaryLayer {
    /// The number of groups the channels are split into.
    public let groupCount: Int
    /// The number of channels, C.
    public let channelCount: Int
    /// ε, added to the variance.
    public let epsilon: Float
    /// γ, `[channelCount]`, or nil without affine parameters.
    public let weight: Tensor?
    /// β, `[channelCount]`, or nil without affine parameters.
    public let bias: Tensor?

    /// A layer; `channelCount` must be a multiple of `groupCount`.
    public init(groupCount: Int, channelCount: Int, epsilon: Float = 1e-5, affine: Bool = true) {
        precondition(
            groupCount > 0 && channelCount % groupCount == 0,
            "GroupNorm: \(channelCount) channels cannot be split into \(groupCount) groups")
        self.groupCount = groupCount
        self.channelCount = channelCount
        self.epsilon = epsilon
        weight = affine ? Initialization.constantParameter([channelCount], 1) : nil
        bias = affine ? Initialization.constantParameter([channelCount], 0) : nil
    }

    /// `weight` (γ) and `bias` (β) when affine.
    public var parameters: [(name: String, tensor: Tensor)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    /// The normalised `[N, C, *]` input.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.groupNorm(groups: groupCount, weight: weight, bias: bias, eps: epsilon)
    }

    /// SiLU of the normalised input, `silu(self(input))`, fused in one op
    /// (the same values, one activation-sized tensor and two passes fewer).
    public func normalizedThenSiLU(_ input: Tensor) -> Tensor {
        input.groupNormSiLU(groups: groupCount, weight: weight, bias: bias, eps: epsilon)
    }

    /// `normalizedThenSiLU(input + shift)` for a per-(sample, channel) shift
    /// `[N, C]` broadcast over the positions, without forming the sum.
    public func normalizedThenSiLU(_ input: Tensor, adding shift: Tensor) -> Tensor {
        input.groupNormSiLU(adding: shift, groups: groupCount, weight: weight, bias: bias, eps: epsilon)
    }

    /// `silu(self(input + shift))` as the prologue of a convolution
    /// (`conv(x, prologue: norm.thenSiLU())`), which its plan may fuse into the
    /// convolution's input copy. `shift` `[N, C]`, when given, is broadcast
    /// over the positions and added before the statistics.
    public func thenSiLU(adding shift: Tensor? = nil) -> Conv2DPrologue {
        .groupNormSiLU(groups: groupCount, weight: weight, bias: bias, eps: epsilon, shift: shift)
    }
}
