import Tensors

/// A fully connected layer `y = x·Wᵀ + b` (PyTorch's `nn.Linear`), applied to
/// the last axis of an input of any rank.
///
/// `weight` has shape `[outFeatures, inFeatures]` and `bias` `[outFeatures]`,
/// both initialised from U(−1/√in, 1/√in) as PyTorch does.
public final class Linear: UnaryLayer {
    /// The width of the input's last axis.
    public let inFeatures: Int
    /// The width of the output's last axis.
    public let outFeatures: Int
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, or nil for a layer without bias.
    public let bias: Tensor?

    /// A layer with PyTorch's initialisation drawn from `generator`.
    public init(
        _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true,
        generator: inout RandomGenerator
    ) {
        precondition(
            inFeatures >= 0 && outFeatures >= 0,
            "Linear: feature counts must be non-negative, got \(inFeatures) → \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = Initialization.defaultBound(fanIn: inFeatures)
        weight = Initialization.uniformParameter([outFeatures, inFeatures], bound: bound, generator: &generator)
        self.bias =
            bias
            ? Initialization.uniformParameter([outFeatures], bound: bound, generator: &generator) : nil
    }

    /// `weight`, and `bias` when the layer has one.
    public var parameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// `x·Wᵀ + b` over the input's last axis.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(
            input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
            "Linear: input of shape \(input.shape) does not end in \(inFeatures) features")
        let leading = Array(input.shape.dropLast())
        let rows = input.reshaped([leading.reduce(1, *), inFeatures])
        return Tensor.linear(rows, weight: weight, bias: bias).reshaped(leading + [outFeatures])
    }

    /// The layer applied at every pixel of a feature map `[B, inFeatures, H, W]`,
    /// as the 1×1 convolution with the same weights, plus `residual`
    /// (`[B, outFeatures, H, W]`) when given: no transposes to and from tokens.
    public func pointwise(_ input: Tensor, adding residual: Tensor? = nil) -> Tensor {
        precondition(
            input.rank == 4 && input.shape[1] == inFeatures,
            "Linear.pointwise: input of shape \(input.shape) is not [batch, \(inFeatures), height, width]")
        return input.conv2d(
            weight.reshaped([outFeatures, inFeatures, 1, 1]), bias: bias, stride: (1, 1),
            padding: .zero, adding: residual)
    }
}
