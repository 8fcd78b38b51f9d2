import Foundation
import Tensors

/// Adam (Kingma & Ba 2015) with PyTorch's `torch.optim.Adam` arithmetic and
/// bias correction; weight decay, if any, is L2 added to the gradient
/// (use `AdamW` for decoupled decay):
///
///     g = g + λ·θ
///     m = m + (1 − β₁)·(g − m),   v = β₂·v + (1 − β₂)·g²
///     θ = θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
public class Adam: Optimizer {
    /// The parameters being optimised, with their paths.
    public let parameters: [(path: String, tensor: Tensor)]
    /// η of the next step.
    public var learningRate: Float
    /// β₁, the decay of the first moment.
    public let beta1: Float
    /// β₂, the decay of the second moment.
    public let beta2: Float
    /// ε, added to the denominator.
    public let epsilon: Float
    /// λ: L2 penalty (Adam) or decoupled decay (AdamW).
    public let weightDecay: Float
    /// Whether weight decay shrinks θ directly (AdamW) instead of adding λ·θ to g.
    public let decoupledWeightDecay: Bool
    /// How many times `step()` has run.
    public private(set) var stepCount = 0
    private var steps: [Int]
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    /// An optimiser over `parameters`; PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - parameters: the parameters to update, with their paths (`Module.namedParameters()`).
    ///   - learningRate: η.
    ///   - betas: (β₁, β₂), the decays of the first and second moments.
    ///   - epsilon: ε, added to the denominator.
    ///   - weightDecay: λ.
    ///   - decoupledWeightDecay: whether λ shrinks the weights directly (AdamW) or adds λθ to the gradient (Adam).
    /// - Throws: ``OptimizerConfigurationError`` for a negative or non-finite
    ///   rate, ε or weight decay, or betas outside [0, 1).
    public init(
        parameters: [(path: String, tensor: Tensor)], learningRate: Float = 1e-3,
        betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8,
        weightDecay: Float = 0, decoupledWeightDecay: Bool = false
    ) throws {
        let name = decoupledWeightDecay ? "AdamW" : "Adam"
        guard learningRate >= 0, learningRate.isFinite else {
            throw OptimizerConfigurationError("\(name): learning rate must be finite and ≥ 0, got \(learningRate)")
        }
        guard (0..<1).contains(betas.0), (0..<1).contains(betas.1) else {
            throw OptimizerConfigurationError("\(name): betas must lie in [0, 1), got (\(betas.0), \(betas.1))")
        }
        guard epsilon >= 0, epsilon.isFinite, weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerConfigurationError("\(name): ε and weight decay must be finite and ≥ 0, got \(epsilon), \(weightDecay)")
        }
        try checkDistinct(parameters, optimizer: name)
        self.parameters = parameters
        self.learningRate = learningRate
        (beta1, beta2) = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        steps = Array(repeating: 0, count: parameters.count)
        firstMoments = Array(repeating: [], count: parameters.count)
        secondMoments = Array(repeating: [], count: parameters.count)
    }

    /// One Adam step on every parameter that has a gradient.
    public func step() {
        stepCount += 1
        for (index, (path, parameter)) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            checkGradient(grad, of: parameter, path: path)
            if steps[index] == 0 {
                firstMoments[index] = Array(repeating: 0, count: parameter.count)
                secondMoments[index] = Array(repeating: 0, count: parameter.count)
            }
            steps[index] += 1
            update(parameter, grad: grad, index: index, step: steps[index])
        }
    }

    private func update(_ parameter: Tensor, grad: Tensor, index: Int, step: Int) {
        // Scalar coefficients in Double, as PyTorch computes them in Python.
        let t = Double(step)
        let stepSize = Float(Double(learningRate) / (1 - Foundation.pow(Double(beta1), t)))
        let correction2Root = Float((1 - Foundation.pow(Double(beta2), t)).squareRoot())
        let shrink = Float(1 - Double(learningRate) * Double(weightDecay))
        let (b1Complement, b2, b2Complement) = (1 - beta1, beta2, 1 - beta2)
        let (lambda, eps, decoupled) = (weightDecay, epsilon, decoupledWeightDecay)
        grad.scalars.withUnsafeBufferPointer { g in
            firstMoments[index].withUnsafeMutableBufferPointer { m in
                let m = m
                secondMoments[index].withUnsafeMutableBufferPointer { v in
                    let v = v
                    parameter.withMutableScalars { theta in
                        let theta = theta
                        // One fused in-place pass per element, spread over the threads.
                        Parallel.forEachElementChunk(theta.count) { range in
                            for i in range {
                                var gi = g[i]
                                if decoupled {
                                    theta[i] *= shrink
                                } else if lambda != 0 {
                                    gi += lambda * theta[i]
                                }
                                m[i] += b1Complement * (gi - m[i])
                                v[i] = v[i] * b2 + b2Complement * gi * gi
                                let denominator = v[i].squareRoot() / correction2Root + eps
                                theta[i] -= stepSize * (m[i] / denominator)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The moments (`exp_avg`, `exp_avg_sq`) and step count of every parameter.
    public func state() -> OptimizerState {
        var result: [String: OptimizerState.ParameterState] = [:]
        for (index, (path, _)) in parameters.enumerated() where steps[index] > 0 {
            result[path] = .init(
                step: steps[index],
                buffers: ["exp_avg": firstMoments[index], "exp_avg_sq": secondMoments[index]])
        }
        return OptimizerState(stepCount: stepCount, parameters: result)
    }

    /// Restores a saved state.
    ///
    /// - Throws: ``OptimizerStateError`` when the state is for other parameters or shapes.
    public func load(state: OptimizerState) throws {
        try validate(state, parameters: parameters, bufferNames: ["exp_avg", "exp_avg_sq"])
        stepCount = state.stepCount
        for (index, (path, _)) in parameters.enumerated() {
            let saved = state.parameters[path]
            steps[index] = saved?.step ?? 0
            firstMoments[index] = saved?.buffers["exp_avg"] ?? []
            secondMoments[index] = saved?.buffers["exp_avg_sq"] ?? []
        }
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019), as PyTorch's
/// `torch.optim.AdamW`: θ is first shrunk by `1 − η·λ`, then takes the Adam
/// step on the raw gradient. PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, λ = 0.01.
public final class AdamW: Adam {
    /// AdamW with PyTorch's defaults.
    ///
    /// - Throws: ``OptimizerConfigurationError`` for a negative or non-finite rate, β outside [0, 1), or a negative
    ///   or non-finite ε or weight decay.
    public init(
        parameters: [(path: String, tensor: Tensor)], learningRate: Float = 1e-3,
        betas: (Float, Float) = (0.9, 0.999), epsilon: Float = 1e-8,
        weightDecay: Float = 0.01
    ) throws {
        try super.init(
            parameters: parameters, learningRate: learningRate, betas: betas,
            epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}
