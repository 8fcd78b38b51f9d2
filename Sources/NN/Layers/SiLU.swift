import Tensors

/// The sigmoid-weighted linear unit `x·σ(x)` (PyTorch's `nn.SiLU`); no parameters.
public final class SiLU: UnaryLayer {
    /// The layer (it has no parameters).
    public init() {}

    /// `x·σ(x)` of every element.
    public func callAsFunction(_ input: Tensor) -> Tensor { input.silu() }
}
