import Tensors

/// What a sampler reports after each step, for progress bars and trajectories.
public struct SamplingStep {
    /// The 0-based step number (0 is the first, noisiest step).
    public let step: Int
    /// How many steps the run takes in all.
    public let totalSteps: Int
    /// The training timestep (0-based) the model was evaluated at.
    public let timestep: Int
    /// The sample after this step (the final x0 after the last step).
    public let sample: Tensor
    /// The model's x̂0 at this step.
    public let predictedX0: Tensor

    public init(step: Int, totalSteps: Int, timestep: Int, sample: Tensor, predictedX0: Tensor) {
        self.step = step
        self.totalSteps = totalSteps
        self.timestep = timestep
        self.sample = sample
        self.predictedX0 = predictedX0
    }
}

/// A per-step callback.
public typealias SamplingCallback = (SamplingStep) -> Void

/// A reverse-process sampler: starts from pure noise x_T and runs the model
/// over a sequence of timesteps, seeded by a `RandomGenerator`, batched, with
/// gradient recording off.
///
/// Its loop holds a *state* per step: x_t itself for the variance-preserving
/// samplers (DDPM, DDIM, DPM-Solver++), x_σ = x_t/√ᾱ_t = x0 + σ·ε for the
/// σ-space ones (Euler, Heun). Image editing (SDEdit, RePaint) enters the loop
/// part-way through: `state(noising:with:atStep:)` makes the state of a clean
/// image at a step, `sample(model:state:fromStep:…)` runs the remaining steps.
public protocol Sampler {
    /// The training timesteps the model is evaluated at, in the order used.
    var timesteps: [Int] { get }

    /// The state at step 0 for a pure-noise draw z ~ N(0, I).
    func initialState(noise: Tensor) -> Tensor

    /// The state at step `step` of the clean batch `x0` noised with `noise`:
    /// x_t = √ᾱ_t x0 + √(1 − ᾱ_t) ε (the closed form of q(x_t | x0)), or x0 + σ·ε in σ-space.
    func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor

    /// Runs steps `start..<timesteps.count` from `state` and returns the clean sample.
    func sample(model: any DenoisingModel, state: Tensor, fromStep start: Int, classLabels: [Int]?,
                generator: inout RandomGenerator, callback: SamplingCallback?) throws -> Tensor
}

extension Sampler {
    /// x_T = z for the variance-preserving samplers.
    public func initialState(noise: Tensor) -> Tensor { noise }

    /// Runs the sampler from the given pure noise z (shape `[B, …]`).
    public func sample(model: any DenoisingModel, from initialNoise: Tensor, classLabels: [Int]? = nil,
                       generator: inout RandomGenerator, callback: SamplingCallback? = nil) throws -> Tensor {
        try sample(model: model, state: initialState(noise: initialNoise), fromStep: 0, classLabels: classLabels,
                   generator: &generator, callback: callback)
    }

    /// Draws x_T ~ N(0, I) of `shape` from `generator`, then runs the sampler.
    public func sample(model: any DenoisingModel, shape: [Int], classLabels: [Int]? = nil,
                       generator: inout RandomGenerator, callback: SamplingCallback? = nil) throws -> Tensor {
        guard shape.count >= 1, shape.allSatisfy({ $0 > 0 }) else {
            throw DiffusionError.shapeMismatch(operation: "sample", expected: "a batch shape [B, …] with positive sizes", got: shape)
        }
        let noise = Tensor.randn(shape, generator: &generator)
        return try sample(model: model, from: noise, classLabels: classLabels, generator: &generator, callback: callback)
    }

    /// Checks the class labels against the batch.
    func validate(classLabels: [Int]?, batch: Int) throws {
        if let labels = classLabels, labels.count != batch {
            throw DiffusionError.invalidParameter(name: "classLabels", value: "\(labels.count) labels",
                                                  accepted: "one label per example (\(batch))")
        }
    }
}

extension Sampler {
    /// Checks a start step and a state against the batch.
    func validate(start: Int, classLabels: [Int]?, batch: Int) throws {
        guard start >= 0, start <= timesteps.count else {
            throw DiffusionError.invalidParameter(name: "start step", value: "\(start)", accepted: "a step in 0...\(timesteps.count)")
        }
        try validate(classLabels: classLabels, batch: batch)
    }

    /// √ᾱ x0 + √(1 − ᾱ) ε at training timestep `t` of `schedule`.
    func noised(_ x0: Tensor, with noise: Tensor, alphaBar: Double) throws -> Tensor {
        guard x0.shape == noise.shape else {
            throw DiffusionError.shapeMismatch(operation: "noising an image for a sampler", expected: "\(x0.shape)", got: noise.shape)
        }
        return x0 * Float(alphaBar.squareRoot()) + noise * Float((1 - alphaBar).squareRoot())
    }

    /// The step index checked against the list.
    func checkedStep(_ step: Int) throws -> Int {
        guard step >= 0, step < timesteps.count else {
            throw DiffusionError.invalidParameter(name: "step", value: "\(step)", accepted: "a step in 0..<\(timesteps.count)")
        }
        return step
    }
}
