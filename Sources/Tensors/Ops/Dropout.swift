/// Inverted dropout (Srivastava et al., 2014, with PyTorch's scaling): in
/// training each element is zeroed with probability `p` and the survivors are
/// scaled by `1 / (1 − p)`, so the expected value is unchanged; in evaluation
/// it is the identity. The backward multiplies by the same mask and scale.
extension Tensor {
    /// Dropout with drop probability `p` in `[0, 1]`; one uniform draw per
    /// element from `generator` when `training` and `p > 0`, none otherwise.
    public func dropout(probability p: Float, training: Bool, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout: probability must be in [0, 1], got \(p)")
        guard training, p > 0 else { return self }
        let scale: Float = p < 1 ? 1 / (1 - p) : 0
        // The kept elements' factor (scale) or 0, drawn in element order.
        var factors = [Float](repeating: 0, count: count)
        for i in 0..<count { factors[i] = generator.nextUniform() >= p ? scale : 0 }
        let output = Tensor.broadcastMap(self, Tensor(shape: shape, scalars: factors), op: "dropout", ElementProduct()).scalars
        let inputShape = shape
        return .result(shape: shape, scalars: output, inputs: [self]) { g in
            let gradient = Tensor.broadcastMap(g, Tensor(shape: inputShape, scalars: factors), op: "dropout", ElementProduct())
            return [Tensor(shape: inputShape, scalars: gradient.scalars)]
        }
    }
}
