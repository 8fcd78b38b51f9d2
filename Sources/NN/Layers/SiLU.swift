import Tensors

/// The sigmoid-weighted linear unit `x·σ(x)` (PyTorch's `nn.SiLU`); no parameters.
public final class SiLU: UnaryLayer {
    public init() {}

    public func callAsFunction(_ input: Tensor) -> Tensor { input.silu() }
}
