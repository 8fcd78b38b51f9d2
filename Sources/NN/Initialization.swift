import Tensors

/// PyTorch's default initialisations, drawn from a seedable generator.
public enum Initialization {
    /// The bound `1/√fan_in` of PyTorch's default weight and bias init:
    /// Kaiming-uniform with `a = √5` has gain `√(2/(1+a²)) = √(1/3)`, so its
    /// bound `gain·√(3/fan_in)` equals `1/√fan_in`; the bias uses the same bound.
    /// Zero when `fanIn` is zero (PyTorch leaves such tensors at zero).
    public static func defaultBound(fanIn: Int) -> Float {
        fanIn > 0 ? Float(1 / Double(fanIn).squareRoot()) : 0
    }

    /// A trainable tensor drawn from U(−bound, bound).
    public static func uniformParameter(
        _ shape: [Int], bound: Float,
        generator: inout RandomGenerator
    ) -> Tensor {
        let tensor = Tensor.uniform(shape, low: -bound, high: bound, generator: &generator)
        tensor.requiresGrad = true
        return tensor
    }

    /// A trainable tensor with every element equal to `value`.
    public static func constantParameter(_ shape: [Int], _ value: Float) -> Tensor {
        let tensor = Tensor.full(shape, value)
        tensor.requiresGrad = true
        return tensor
    }
}
