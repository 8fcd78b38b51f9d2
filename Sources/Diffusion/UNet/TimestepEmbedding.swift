import Foundation
import NN
import Tensors

/// Sinusoidal timestep features (the Transformer positional encoding), as
/// diffusers' `get_timestep_embedding`: frequency `i` is
/// `exp(−ln(10000) · i / (half − freqShift))`, features are `[sin, cos]`
/// (or `[cos, sin]` when `flipSinToCos`). Computed in Float32 in the same
/// order as diffusers so that outputs agree to rounding.
public func sinusoidalEmbedding(timesteps: [Float], dimension: Int, flipSinToCos: Bool, freqShift: Float) -> Tensor {
    let half = dimension / 2
    let logPeriod = Float(-Foundation.log(10000.0))
    let frequencies = (0..<half).map { Foundation.exp(logPeriod * Float($0) / (Float(half) - freqShift)) }
    var values = [Float](repeating: 0, count: timesteps.count * dimension)
    for (row, t) in timesteps.enumerated() {
        for i in 0..<half {
            let angle = t * frequencies[i]
            let (first, second) =
                flipSinToCos ? (Foundation.cos(angle), Foundation.sin(angle)) : (Foundation.sin(angle), Foundation.cos(angle))
            values[row * dimension + i] = first
            values[row * dimension + half + i] = second
        }
    }
    return Tensor(shape: [timesteps.count, dimension], scalars: values)
}

/// The time MLP of the U-Net: linear → SiLU → linear (diffusers' `TimestepEmbedding`).
public final class TimestepEmbedding: Module {
    /// The first linear layer (`linear_1`).
    public let linear1: Linear
    /// The second linear layer (`linear_2`).
    public let linear2: Linear

    /// An MLP from the sinusoidal embedding's width to `width`.
    public init(inputWidth: Int, width: Int, generator: inout RandomGenerator) {
        linear1 = Linear(inputWidth, width, generator: &generator)
        linear2 = Linear(width, width, generator: &generator)
    }

    /// The two layers as `linear_1` and `linear_2`.
    public var children: [(name: String, module: any Module)] { [("linear_1", linear1), ("linear_2", linear2)] }

    /// linear₂(SiLU(linear₁(x))).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        linear2(linear1(x).silu())
    }
}
