/// The mean squared error, as PyTorch's `F.mse_loss` with `reduction="mean"`:
/// `L = (1/n) Σ_i (prediction_i − target_i)²` over all `n` elements, the
/// ε-prediction loss of DDPM training. Gradients: `±2 (prediction − target) / n`.
extension Tensor {
    /// The mean over all elements of `(prediction − target)²`, as a scalar;
    /// the shapes must be equal (no broadcasting).
    public static func mseLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        precondition(prediction.shape == target.shape,
                     "mseLoss: prediction shape \(prediction.shape) differs from target shape \(target.shape); shapes must match exactly")
        let n = prediction.count
        precondition(n > 0, "mseLoss: empty tensors of shape \(prediction.shape)")
        var difference = [Float](repeating: 0, count: n)
        var total = 0.0
        prediction.scalars.withUnsafeBufferPointer { p in
            target.scalars.withUnsafeBufferPointer { t in
                difference.withUnsafeMutableBufferPointer { d in
                    for i in 0..<n {
                        let e = p[i] - t[i]
                        d[i] = e
                        total += Double(e * e)
                    }
                }
            }
        }
        let shape = prediction.shape
        return .result(shape: [], scalars: [Float(total / Double(n))], inputs: [prediction, target]) { g in
            let factor = 2 * g.item / Float(n)
            let gradient = Tensor(shape: shape, scalars: difference.map { $0 * factor })
            return [prediction.requiresGrad ? gradient : nil,
                    target.requiresGrad ? Tensor(shape: shape, scalars: gradient.scalars.map { -$0 }) : nil]
        }
    }
}
