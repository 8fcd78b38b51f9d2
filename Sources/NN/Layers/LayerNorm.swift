import Tensors

/// Layer normalisation (PyTorch's `nn.LayerNorm`): each slice over the
/// trailing axes `normalizedShape` is normalised to zero mean and unit
/// variance, `x̂ = (x − μ)/√(σ² + ε)`, then `y = γ ⊙ x̂ + β`. γ starts at 1 and β at 0.
public final class LayerNorm: UnaryLayer {
    /// The trailing axes normalised over.
    public let normalizedShape: [Int]
    /// ε, added to the variance.
    public let epsilon: Float
    /// γ, shaped `normalizedShape`, or nil without affine parameters.
    public let weight: Tensor?
    /// β, shaped `normalizedShape`, or nil without affine parameters.
    public let bias: Tensor?

    /// A layer over the trailing axes `normalizedShape`.
    public init(normalizedShape: [Int], epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        precondition(
            !normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
            "LayerNorm: normalizedShape must be non-empty and positive, got \(normalizedShape)")
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Initialization.constantParameter(normalizedShape, 1) : nil
        bias = elementwiseAffine ? Initialization.constantParameter(normalizedShape, 0) : nil
    }

    /// Normalisation over the last axis of width `features`.
    public convenience init(_ features: Int, epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.init(normalizedShape: [features], epsilon: epsilon, elementwiseAffine: elementwiseAffine)
    }

    /// `weight` (γ) and `bias` (β) when affine.
    public var parameters: [(name: String, tensor: Tensor)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    /// The input normalised over its trailing axes.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, eps: epsilon)
    }
}
