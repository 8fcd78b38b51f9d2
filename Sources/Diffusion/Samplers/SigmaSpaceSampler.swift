import Tensors

/// A sampler that steps x_σ = x0 + σ·ε over the noise levels of a `SigmaSchedule`
/// (Euler, Euler ancestral, Heun): its state, starting state and reported
/// timesteps follow from the schedule.
public protocol SigmaSpaceSampler: Sampler {
    var schedule: SigmaSchedule { get }
}

extension SigmaSpaceSampler {
    /// The nearest training timestep of each step (the model sees the continuous one).
    public var timesteps: [Int] { schedule.timesteps.map { Int($0.rounded()) } }

    /// x_σmax = z·σ_max (or z·√(σ_max² + 1) for leading spacing, as diffusers).
    public func initialState(noise: Tensor) -> Tensor { noise * Float(schedule.initialScale) }

    /// x0 + σ·ε at step `step`'s noise level.
    public func state(noising x0: Tensor, with noise: Tensor, atStep step: Int) throws -> Tensor {
        guard x0.shape == noise.shape else {
            throw DiffusionError.shapeMismatch(operation: "noising an image for a sampler", expected: "\(x0.shape)", got: noise.shape)
        }
        return x0 + noise * Float(schedule.sigmas[try checkedStep(step)])
    }
}
