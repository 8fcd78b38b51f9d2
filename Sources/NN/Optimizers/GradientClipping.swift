import Tensors

/// Scales the gradients of `parameters` so that their global L2 norm is at
/// most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`:
///
///     n = √(Σ‖g‖²),   g ← g · min(1, maxNorm / (n + 1e-6))
///
/// Parameters without a gradient are ignored. Returns the norm before
/// clipping (non-finite if a gradient is; the gradients are then left alone).
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    precondition(maxNorm >= 0, "clipGradientNorm: maxNorm must be ≥ 0, got \(maxNorm)")
    var sumOfSquares = 0.0
    for parameter in parameters {
        guard let grad = parameter.grad else { continue }
        grad.scalars.withUnsafeBufferPointer { g in
            for value in g { sumOfSquares += Double(value) * Double(value) }
        }
    }
    let norm = sumOfSquares.squareRoot()
    guard norm.isFinite else { return Float(norm) }
    let coefficient = Double(maxNorm) / (norm + 1e-6)
    if coefficient < 1 {
        let scale = Float(coefficient)
        for parameter in parameters {
            parameter.grad?.withMutableScalars { g in
                for i in 0..<g.count { g[i] *= scale }
            }
        }
    }
    return Float(norm)
}

extension Module {
    /// Clips the gradients of all parameters to global norm `maxNorm`;
    /// returns the norm before clipping. See `clipGradientNorm(_:maxNorm:)`.
    @discardableResult
    public func clipGradientNorm(maxNorm: Float) -> Float {
        NN.clipGradientNorm(namedParameters().map(\.tensor), maxNorm: maxNorm)
    }
}
