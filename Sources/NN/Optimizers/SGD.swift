import Tensors

/// Stochastic gradient descent with optional momentum, Nesterov momentum and
/// L2 weight decay, as PyTorch's `torch.optim.SGD`:
///
///     d = g + λ·θ
///     b₁ = d,  bₜ = μ·bₜ₋₁ + (1 − τ)·d      (τ = dampening)
///     d = d + μ·bₜ (Nesterov)  or  d = bₜ
///     θ = θ − η·d
public final class SGD: Optimizer {
    /// The parameters being optimised, with their paths.
    public let parameters: [(path: String, tensor: Tensor)]
    /// η of the next step.
    public var learningRate: Float
    /// μ (0: no momentum).
    public let momentum: Float
    /// The dampening of the momentum buffer.
    public let dampening: Float
    /// λ, the L2 penalty added to the gradient.
    public let weightDecay: Float
    /// Whether the step uses Nesterov momentum.
    public let nesterov: Bool
    /// How many times `step()` has run.
    public private(set) var stepCount = 0
    private var steps: [Int]
    private var momentumBuffers: [[Float]]

    /// An optimiser over `parameters` (PyTorch's `torch.optim.SGD`).
    ///
    /// - Throws: ``OptimizerConfigurationError`` for a negative rate, momentum
    ///   or weight decay, or Nesterov without momentum or with dampening.
    public init(
        parameters: [(path: String, tensor: Tensor)], learningRate: Float,
        momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
        nesterov: Bool = false
    ) throws {
        guard learningRate >= 0, learningRate.isFinite else {
            throw OptimizerConfigurationError("SGD: learning rate must be finite and ≥ 0, got \(learningRate)")
        }
        guard momentum >= 0, momentum.isFinite, weightDecay >= 0, weightDecay.isFinite, dampening.isFinite else {
            throw OptimizerConfigurationError("SGD: momentum and weight decay must be finite and ≥ 0, got \(momentum), \(weightDecay)")
        }
        if nesterov, momentum <= 0 || dampening != 0 {
            throw OptimizerConfigurationError("SGD: Nesterov momentum needs momentum > 0 and dampening 0")
        }
        try checkDistinct(parameters, optimizer: "SGD")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        steps = Array(repeating: 0, count: parameters.count)
        momentumBuffers = Array(repeating: [], count: parameters.count)
    }

    /// One SGD step on every parameter that has a gradient.
    public func step() {
        stepCount += 1
        let (eta, mu, lambda, keep) = (learningRate, momentum, weightDecay, 1 - dampening)
        for (index, (path, parameter)) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            checkGradient(grad, of: parameter, path: path)
            let first = steps[index] == 0
            steps[index] += 1
            if mu != 0 && first {
                momentumBuffers[index] = Array(repeating: 0, count: parameter.count)
            }
            grad.scalars.withUnsafeBufferPointer { g in
                momentumBuffers[index].withUnsafeMutableBufferPointer { b in
                    let b = b
                    parameter.withMutableScalars { theta in
                        let theta = theta
                        Parallel.forEachElementChunk(theta.count) { range in
                            for i in range {
                                var d = g[i]
                                if lambda != 0 { d += lambda * theta[i] }
                                if mu != 0 {
                                    b[i] = first ? d : mu * b[i] + keep * d
                                    d = nesterov ? d + mu * b[i] : b[i]
                                }
                                theta[i] -= eta * d
                            }
                        }
                    }
                }
            }
        }
    }

    /// The momentum buffer and step count of every parameter.
    public func state() -> OptimizerState {
        var result: [String: OptimizerState.ParameterState] = [:]
        for (index, (path, _)) in parameters.enumerated() where steps[index] > 0 {
            let buffers = momentum != 0 ? ["momentum_buffer": momentumBuffers[index]] : [:]
            result[path] = .init(step: steps[index], buffers: buffers)
        }
        return OptimizerState(stepCount: stepCount, parameters: result)
    }

    /// Restores a saved state.
    ///
    /// - Throws: ``OptimizerStateError`` when the state is for other parameters or shapes.
    public func load(state: OptimizerState) throws {
        try validate(state, parameters: parameters, bufferNames: momentum != 0 ? ["momentum_buffer"] : [])
        stepCount = state.stepCount
        for (index, (path, _)) in parameters.enumerated() {
            let saved = state.parameters[path]
            steps[index] = saved?.step ?? 0
            momentumBuffers[index] = saved?.buffers["momentum_buffer"] ?? []
        }
    }
}
