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
        sumOfSquares += squaredNorm(grad.scalars)
    }
    let norm = sumOfSquares.squareRoot()
    guard norm.isFinite else { return Float(norm) }
    let coefficient = Double(maxNorm) / (norm + 1e-6)
    if coefficient < 1 {
        let scale = Float(coefficient)
        for parameter in parameters {
            parameter.grad?.withMutableScalars { g in
                let g = g
                Parallel.forEachElementChunk(g.count) { range in
                    for i in range { g[i] *= scale }
                }
            }
        }
    }
    return Float(norm)
}

/// `Σ v²` in Double: blocks of 8192 values summed in parallel, then the block
/// sums in order, so the total does not depend on the thread count.
func squaredNorm(_ values: [Float]) -> Double {
    let block = 8_192
    let blocks = (values.count + block - 1) / block
    var totals = [Double](repeating: 0, count: blocks)
    values.withUnsafeBufferPointer { v in
        totals.withUnsafeMutableBufferPointer { t in
            let t = t
            Parallel.forEachChunk(blocks, minimumChunk: Swift.max(1, Parallel.elementwiseChunk / block)) { range in
                for b in range {
                    var total = 0.0
                    for i in b * block..<Swift.min(v.count, (b + 1) * block) { total += Double(v[i]) * Double(v[i]) }
                    t[b] = total
                }
            }
        }
    }
    return totals.reduce(0, +)
}

extension Module {
    /// Clips the gradients of all parameters to global norm `maxNorm`;
    /// returns the norm before clipping. See `clipGradientNorm(_:maxNorm:)`.
    @discardableResult
    public func clipGradientNorm(maxNorm: Float) -> Float {
        NN.clipGradientNorm(namedParameters().map(\.tensor), maxNorm: maxNorm)
    }
}
