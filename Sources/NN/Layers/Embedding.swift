import Tensors

/// A lookup table of `count` learnt vectors of width `dimension` (PyTorch's
/// `nn.Embedding`): index `i` selects row `i` of `weight`, which starts N(0, 1).
public final class Embedding: Module {
    /// The number of rows (indices `0..<count`).
    public let count: Int
    /// The width of each row.
    public let dimension: Int
    /// `[count, dimension]`.
    public let weight: Tensor

    /// A table drawn from N(0, 1) with `generator`.
    public init(count: Int, dimension: Int, generator: inout RandomGenerator) {
        precondition(
            count > 0 && dimension > 0,
            "Embedding: count and dimension must be positive, got \(count) × \(dimension)")
        self.count = count
        self.dimension = dimension
        weight = Tensor.randn([count, dimension], generator: &generator)
        weight.requiresGrad = true
    }

    /// The table, as `weight`.
    public var parameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    /// The rows at `indices` as `[indices.count, dimension]`; each index must be in `0..<count`.
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        Tensor.embedding(weight, indices: indices)
    }
}
