/// The mean squared error, as PyTorch's `F.mse_loss` with `reduction="mean"`:
/// `L = (1/n) Σ_i (prediction_i − target_i)²` over all `n` elements, the
/// ε-prediction loss of DDPM training. Gradients: `±2 (prediction − target) / n`.
extension Tensor {
    /// The mean over all elements of `(prediction − target)²`, as a scalar;
    /// the shapes must be equal (no broadcasting).
    public static func mseLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        precondition(
            prediction.shape == target.shape,
            "mseLoss: prediction shape \(prediction.shape) differs from target shape \(target.shape); shapes must match exactly")
        let n = prediction.count
        precondition(n > 0, "mseLoss: empty tensors of shape \(prediction.shape)")
        // Squares summed in Double over fixed blocks, then the block sums in
        // order: the same total whatever the thread count.
        let block = 8_192
        let blocks = (n + block - 1) / block
        var difference = [Float].unfilled(n)
        var blockTotals = [Double](repeating: 0, count: blocks)
        prediction.scalars.withUnsafeBufferPointer { p in
            target.scalars.withUnsafeBufferPointer { t in
                difference.withUnsafeMutableBufferPointer { d in
                    let d = d
                    blockTotals.withUnsafeMutableBufferPointer { totals in
                        let totals = totals
                        Parallel.forEachChunk(blocks, minimumChunk: Swift.max(1, Parallel.elementwiseChunk / block)) { range in
                            for b in range {
                                var total = 0.0
                                for i in b * block..<Swift.min(n, (b + 1) * block) {
                                    let e = p[i] - t[i]
                                    d[i] = e
                                    total += Double(e * e)
                                }
                                totals[b] = total
                            }
                        }
                    }
                }
            }
        }
        let total = blockTotals.reduce(0, +)
        let shape = prediction.shape
        return .result(shape: [], scalars: [Float(total / Double(n))], inputs: [prediction, target]) { g in
            let factor = 2 * g.item / Float(n)
            let gradient = Tensor(shape: shape, scalars: mapElements(difference, ElementScale(factor: factor)))
            return [
                prediction.requiresGrad ? gradient : nil,
                target.requiresGrad ? Tensor(shape: shape, scalars: mapElements(gradient.scalars, ElementNegation())) : nil,
            ]
        }
    }
}
