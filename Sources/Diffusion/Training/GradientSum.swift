import Tensors

/// The gradients of several micro-batches (or processes) summed in one buffer:
/// every parameter's gradient laid end to end, in parameter order, which is
/// also what an all-reduce sends. Each micro-batch's gradients are added in
/// order (((g₀ + g₁) + g₂) + …) and cleared from the parameters; the sum is put
/// back as their `grad` at the end.
struct GradientSum {
    let parameters: [Tensor]
    /// The summed gradients, parameter after parameter.
    var values: [Float]
    /// Whether any micro-batch gave the parameter a gradient (one without stays
    /// without, as after a single whole batch, so the optimiser skips it alike).
    private var hasGradient: [Bool]

    init(parameters: [Tensor]) {
        self.parameters = parameters
        values = [Float](repeating: 0, count: parameters.reduce(0) { $0 + $1.count })
        hasGradient = [Bool](repeating: false, count: parameters.count)
    }

    /// Adds the parameters' current gradients (the first set is copied, not added to
    /// zero) and clears them for the next micro-batch.
    mutating func addAndClear() {
        var offset = 0
        for (index, parameter) in parameters.enumerated() {
            let count = parameter.count
            if let grad = parameter.grad {
                let g = grad.scalars
                if hasGradient[index] {
                    for i in 0..<count { values[offset + i] += g[i] }
                } else {
                    for i in 0..<count { values[offset + i] = g[i] }
                    hasGradient[index] = true
                }
            }
            offset += count
            parameter.zeroGrad()
        }
    }

    /// Puts the sum back as the parameters' `grad`.
    func storeAsGradients() {
        var offset = 0
        for (index, parameter) in parameters.enumerated() {
            let count = parameter.count
            if hasGradient[index] {
                parameter.grad = Tensor(shape: parameter.shape, scalars: Array(values[offset..<(offset + count)]))
            }
            offset += count
        }
    }
}
