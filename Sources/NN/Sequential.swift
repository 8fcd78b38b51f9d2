import Tensors

/// Layers applied one after another, named `0`, `1`, `2`, … as PyTorch's
/// `nn.Sequential`: `y = layers[n−1](…layers[1](layers[0](x)))`.
public final class Sequential: UnaryLayer {
    /// The layers in the order they are applied.
    public let layers: [any UnaryLayer]

    /// The layers, applied in this order.
    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers
    }

    /// The layers, named `0`, `1`, `2`, ….
    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    /// Each layer applied to the previous one's output.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}
